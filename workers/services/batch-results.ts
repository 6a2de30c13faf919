// The two files a batch leaves (SPEC §4): the seed's Notepad log and the per-row result CSV, as bytes
// (UTF-8 with BOM) ready for a download or a mail attachment. No visibility check here: the mail
// attachment resolver uses these too; routes check visibility with getVisibleBatch first.
import { and, asc, eq, gt } from "drizzle-orm";
import { batchRows, batches } from "../../schema/d1.ts";
import { FILE_REASONS, isFileReasonCode } from "../domain/reasons.ts";
import {
	BOM,
	batchLogFileName,
	batchLogLines,
	resultCsvFileName,
	resultCsvLines,
	type ResultRow,
} from "../domain/result-files.ts";
import { formatLogTime } from "../domain/taipei-time.ts";
import type { Db } from "../env.ts";

/**
 * batch_rows are read in keyset pages (`row_no > ?`) of this many: the 100,000-row maximum is 10
 * queries, and one page of these narrow rows (~1 MB) stays far below D1's result-size limit.
 */
export const RESULT_ROWS_PAGE = 10_000;

/** Text is encoded in pieces of about this many characters, so no multi-MB string is built twice. */
const ENCODE_PIECE_CHARS = 64 * 1024;

export type ResultFile = { fileName: string; bytes: Uint8Array<ArrayBuffer> };

type Batch = typeof batches.$inferSelect;

/** A finished-looking time for a batch whose D1 row has no finished_at yet. */
function endTime(batch: Batch, rows: readonly ResultRow[]): number {
	if (batch.finishedAt !== null) return batch.finishedAt;
	const last = rows.reduce((max, r) => Math.max(max, r.doneAt), 0);
	return last > 0 ? last : (batch.startedAt ?? batch.uploadedAt);
}

function parseNotes(json: string | null): string[] {
	if (!json) return [];
	try {
		const value: unknown = JSON.parse(json);
		return Array.isArray(value) ? value.filter((n): n is string => typeof n === "string") : [];
	} catch {
		return [];
	}
}

/** Every stored result of a batch, in row order, read page by page. */
export async function loadResultRows(db: Db, batchId: string): Promise<ResultRow[]> {
	const rows: ResultRow[] = [];
	let after = 0;
	for (;;) {
		const page = await db
			.select({
				rowNo: batchRows.rowNo,
				lineNo: batchRows.lineNo,
				maskedId: batchRows.maskedId,
				outcome: batchRows.outcome,
				code: batchRows.code,
				notes: batchRows.notes,
				doneAt: batchRows.doneAt,
			})
			.from(batchRows)
			.where(and(eq(batchRows.batchId, batchId), gt(batchRows.rowNo, after)))
			.orderBy(asc(batchRows.rowNo))
			.limit(RESULT_ROWS_PAGE)
			.all();
		for (const r of page) rows.push({ ...r, notes: parseNotes(r.notes) });
		const last = page.at(-1);
		if (!last || page.length < RESULT_ROWS_PAGE) return rows;
		after = last.rowNo;
	}
}

function countRows(rows: readonly ResultRow[]): { total: number; success: number; failed: number } {
	const failed = rows.reduce((n, r) => n + (r.outcome === "failed" ? 1 : 0), 0);
	return { total: rows.length, success: rows.length - failed, failed };
}

function failureText(batch: Batch): string {
	if (batch.failureMessage) return batch.failureMessage;
	const code = batch.failureCode;
	return code !== null && isFileReasonCode(code) ? FILE_REASONS[code].message : "檔案無法入檔。";
}

/** Whether a batch has its files (log, result CSV): every batch has, once it left 已上傳,等待入檔. */
export function hasResultFiles(batch: Pick<Batch, "status">): boolean {
	return batch.status !== "queued";
}

export type BatchLog = { fileName: string; lines: string[] };

/**
 * The log of a batch as lines (each ending CRLF, no BOM), or null when there is none yet (the batch
 * is still 已上傳,等待入檔) or no such batch. Totals are counted from the very rows printed, so the
 * last line always agrees with the lines above it. A whole-file failure (入檔失敗) prints the
 * rejection reason between 開始執行... and 結束執行..., with its totals (0 for a file refused as a whole).
 */
export async function batchLog(db: Db, batchId: string): Promise<BatchLog | null> {
	const batch = await db.select().from(batches).where(eq(batches.id, batchId)).get();
	if (!batch || !hasResultFiles(batch)) return null;
	const rows = await loadResultRows(db, batchId);
	const counts = countRows(rows);
	const startedAt = batch.startedAt ?? batch.uploadedAt;
	const finishedAt = endTime(batch, rows);
	const lines = [
		...batchLogLines({ startedAt, finishedAt, headerSkipped: batch.headerSkipped, rows, ...counts }),
	];
	if (batch.status === "failed") {
		// The reason goes in as one more line of the same shape, just before 結束執行...
		lines.splice(lines.length - 2, 0, `${formatLogTime(finishedAt)} 入檔失敗:${oneLine(failureText(batch))}\r\n`);
	}
	// The name's stamp is the upload's, not the end's: the seed's 1333974211050713.1050713104533.log
	// was uploaded at 10:45:31 and its lines say 11:56:45. It also never changes, so the log attached
	// to the clerk's mail (rendered before finished_at is written) and a later download share a name.
	return { fileName: batchLogFileName(batch.fileName, batch.uploadedAt), lines };
}

/** Stored text never breaks the log's one-event-per-line shape. */
function oneLine(text: string): string {
	return text.replace(/[\r\n]+/g, " ");
}

/** The log file (SPEC §4): `<upload stem>.<ROC yyyMMddHHmmss>.log`, UTF-8 with BOM, CRLF. */
export async function batchLogFile(db: Db, batchId: string): Promise<ResultFile | null> {
	const log = await batchLog(db, batchId);
	return log ? { fileName: log.fileName, bytes: encodeWithBom(log.lines) } : null;
}

/** The per-row result CSV for Excel: UTF-8 with BOM, CRLF, formula-looking cells made inert. */
export async function resultCsvFile(db: Db, batchId: string): Promise<ResultFile | null> {
	const batch = await db
		.select({ fileName: batches.fileName, status: batches.status })
		.from(batches)
		.where(eq(batches.id, batchId))
		.get();
	if (!batch || !hasResultFiles(batch)) return null;
	const rows = await loadResultRows(db, batchId);
	return { fileName: resultCsvFileName(batch.fileName), bytes: encodeWithBom(resultCsvLines(rows)) };
}

function encodeWithBom(lines: Iterable<string>): Uint8Array<ArrayBuffer> {
	const encoder = new TextEncoder();
	const parts: Uint8Array[] = [encoder.encode(BOM)];
	let piece = "";
	for (const line of lines) {
		piece += line;
		if (piece.length >= ENCODE_PIECE_CHARS) {
			parts.push(encoder.encode(piece));
			piece = "";
		}
	}
	if (piece) parts.push(encoder.encode(piece));
	const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.byteLength;
	}
	return out;
}
