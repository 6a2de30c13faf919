// Pure step functions of the batch pipeline (parse → register → notify; then verify, which opens the
// registrants' verification windows, see workers/services/verification.ts). The check of SPEC §2 is
// in two places: the rows' formats and in-file duplicates here in parse, and the checks against D1
// (insured in this unit, already verified, already pending) inside register's transaction, so they
// cannot go stale before the write. No I/O here: the BatchUpload object persists what these return.
import { parseBatchCsv, MAX_ROWS } from "../workers/domain/csv-rows.ts";
import { maskIdNo } from "../workers/domain/mask.ts";
import type { FileReasonCode, RowReasonCode } from "../workers/domain/reasons.ts";
import { checkRowFormat } from "../workers/domain/row-check.ts";

export type Step = "parse" | "register" | "notify" | "verify" | "done" | "failed";

/**
 * A chunk's size in bytes (its tuples as JSON). A chunk travels to D1 as two bound JSON parameters,
 * and D1 caps a bound value at 2,000,000 bytes; the object also stores both as one row (same cap).
 * Chunks are cut by size rather than by row count: typical rows are ~115 bytes (counted as ~145: the
 * bound is an upper one), so a 100,000-row file is eight chunks (eight D1 transactions); a file of
 * 254-character e-mail addresses simply makes more of them.
 */
export const CHUNK_BYTES = 1_900_000;
/** What is kept of the ID cell of a row whose ID is invalid. */
const MAX_FAILED_ID_CHARS = 32;

/**
 * A row's result as register writes it: [rowNo, lineNo, maskedId, idNo, formatCode, notesJson].
 * formatCode is the row's failure found by parse, or null when register decides against D1
 * (NOT_INSURED, ALREADY_VERIFIED, RESENT or REGISTERED). idNo is not stored in the results.
 */
export type ResultTuple = [rowNo: number, lineNo: number, maskedId: string, idNo: string, formatCode: RowReasonCode | null, notes: string | null];
/** What a row that may go in registers with: [rowNo, idNo, email, mobile, phone]. */
export type ContactTuple = [rowNo: number, idNo: string, email: string, mobile: string, phone: string | null];

/** One chunk of rows: every row's result, and the contact data of the rows with valid formats. */
export type Chunk = { results: ResultTuple[]; contacts: ContactTuple[] };

export type ParseResult =
	| { ok: true; headerSkipped: boolean; total: number; chunks: Chunk[] }
	/** detail: which column is where, for FILE_COLUMNS. */
	| { ok: false; code: FileReasonCode; detail?: string };

/**
 * parse: CSV text → validated rows in chunks, with in-file duplicates marked (first occurrence wins).
 * The upload form already refused the whole-file faults it can see (workers/domain/csv-rows.ts
 * checkFileShape); they are checked again here, where the whole file is read.
 */
export function parseStep(text: string): ParseResult {
	const { headerSkipped, columnsProblem, rows, tooManyRows } = parseBatchCsv(text);
	if (columnsProblem) return { ok: false, code: "FILE_COLUMNS", detail: columnsProblem };
	if (tooManyRows || rows.length > MAX_ROWS) return { ok: false, code: "FILE_TOO_MANY_ROWS" };
	if (rows.length === 0) return { ok: false, code: headerSkipped ? "FILE_NO_ROWS" : "FILE_EMPTY" };
	const seen = new Set<string>();
	const chunks: Chunk[] = [];
	let chunk: Chunk = { results: [], contacts: [] };
	let chunkBytes = 0;
	for (const row of rows) {
		const checked = checkRowFormat(row.cells);
		let result: ResultTuple;
		let contact: ContactTuple | null = null;
		if (!checked.ok) {
			// The ID is kept only to be masked in the log: a cell of garbage cannot bloat a chunk.
			const idNo = checked.idNo.slice(0, MAX_FAILED_ID_CHARS);
			result = [row.rowNo, row.lineNo, maskIdNo(idNo), idNo, checked.code, null];
		} else {
			const duplicate = seen.has(checked.idNo);
			seen.add(checked.idNo);
			const noted = row.extraCells ? [...checked.notes, "EXTRA_CELLS" as const] : checked.notes;
			const notes = noted.length > 0 ? JSON.stringify(noted) : null;
			result = [row.rowNo, row.lineNo, maskIdNo(checked.idNo), checked.idNo, duplicate ? "DUPLICATE_IN_FILE" : null, notes];
			if (!duplicate) contact = [row.rowNo, checked.idNo, checked.email, checked.mobile, checked.phone];
		}
		const size = resultBytes(result, checked.ok) + (contact ? contactBytes(contact) : 0);
		if (chunkBytes + size > CHUNK_BYTES && chunk.results.length > 0) {
			chunks.push(chunk);
			chunk = { results: [], contacts: [] };
			chunkBytes = 0;
		}
		chunk.results.push(result);
		if (contact) chunk.contacts.push(contact);
		chunkBytes += size;
	}
	if (chunk.results.length > 0) chunks.push(chunk);
	return { ok: true, headerSkipped, total: rows.length, chunks };
}

// Upper bounds of a tuple's UTF-8 bytes in JSON, comma included: numbers, punctuation and nulls, then
// the text. Validated values are ASCII that JSON does not escape (the e-mail rule admits no quote or
// backslash); the ID cell of an invalid row may be anything, counted at 6 bytes a character.
function resultBytes([, , maskedId, idNo, formatCode, notes]: ResultTuple, valid: boolean): number {
	const id = valid ? 2 * idNo.length : jsonBytes(maskedId) + jsonBytes(idNo);
	return 40 + id + (formatCode?.length ?? 0) + 2 * (notes?.length ?? 0);
}

function contactBytes([, idNo, email, mobile, phone]: ContactTuple): number {
	return 40 + idNo.length + email.length + mobile.length + (phone?.length ?? 0);
}

function jsonBytes(text: string): number {
	return /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/.test(text) ? text.length : 6 * text.length;
}
