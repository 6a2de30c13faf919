// The two files a finished batch leaves (SPEC §4): the seed's Notepad log
// ("2016/7/13 上午 11:56:45 第1筆資料:A23084****(非該單位在保險對象)不入檔!") and a per-row result CSV
// for Excel. Both are CRLF text; the caller prepends BOM as bytes so Notepad and Excel read UTF-8.

import { baseName } from "./file-name.ts";
import { ROW_NOTES, ROW_REASONS, ROW_SUCCESSES } from "./reasons.ts";
import { formatLogTime, formatRocStamp14 } from "./taipei-time.ts";

export const BOM = "\uFEFF";
const CRLF = "\r\n";

export type ResultRow = {
	rowNo: number;
	lineNo: number;
	maskedId: string;
	outcome: "registered" | "resent" | "failed";
	/** A ROW_REASONS code when failed, a ROW_SUCCESSES code otherwise. */
	code: string;
	/** ROW_NOTES codes (or ready text) about repairs made to the row. */
	notes: string[];
	doneAt: number;
};

export type BatchLogInput = {
	startedAt: number;
	finishedAt: number;
	headerSkipped: boolean;
	rows: Iterable<ResultRow>;
	total: number;
	success: number;
	failed: number;
};

function has<T extends object>(table: T, key: string): key is Extract<keyof T, string> {
	return Object.hasOwn(table, key);
}

/** The zh-TW message of a row's code; an unknown code shows as itself rather than vanishing. */
function rowMessage(row: ResultRow): string {
	if (has(ROW_REASONS, row.code)) return ROW_REASONS[row.code].message;
	if (has(ROW_SUCCESSES, row.code)) return ROW_SUCCESSES[row.code].message;
	return `(${row.code})`;
}

function rowFix(row: ResultRow): string {
	return has(ROW_REASONS, row.code) ? ROW_REASONS[row.code].fix : "";
}

function notesText(notes: readonly string[]): string {
	if (notes.length === 0) return "";
	return `(${notes.map((n) => (has(ROW_NOTES, n) ? ROW_NOTES[n].message : n)).join("、")})`;
}

function rowLogText(row: ResultRow): string {
	const head = `第${row.rowNo}筆資料:${row.maskedId}`;
	if (row.outcome === "failed") return head + rowMessage(row);
	return `${head},${rowMessage(row)}${notesText(row.notes)}`;
}

function logLine(ms: number, text: string): string {
	return `${formatLogTime(ms)} ${text}${CRLF}`;
}

/** The log line by line, each ending with CRLF for Notepad, for streaming into storage. */
export function* batchLogLines(b: BatchLogInput): Generator<string> {
	yield logLine(b.startedAt, "開始執行...");
	if (b.headerSkipped) yield logLine(b.startedAt, "第1列為標題列,已略過不入檔.");
	for (const row of b.rows) yield logLine(row.doneAt, rowLogText(row));
	yield logLine(b.finishedAt, "結束執行...");
	yield logLine(b.finishedAt, `----總共上傳${b.total}筆,成功註冊${b.success}筆,失敗${b.failed}筆----`);
}

/** The whole log. No BOM. */
export function renderBatchLog(b: BatchLogInput): string {
	let out = "";
	for (const line of batchLogLines(b)) out += line;
	return out;
}

function uploadStem(uploadFileName: string): string {
	return baseName(uploadFileName).replace(/\.csv$/i, "");
}

/** "1333974211050713.csv" finished at 2016-07-13 10:45:33 → "1333974211050713.1050713104533.log". */
export function batchLogFileName(uploadFileName: string, finishedAt: number): string {
	return `${uploadStem(uploadFileName)}.${formatRocStamp14(finishedAt)}.log`;
}

/** "1333974211050713.csv" → "1333974211050713.result.csv". */
export function resultCsvFileName(uploadFileName: string): string {
	return `${uploadStem(uploadFileName)}.result.csv`;
}

/** Cells Excel would run as a formula (OWASP "CSV Injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field, defused: a leading = + - @ TAB or CR gets an apostrophe so Excel shows text. */
export function csvCell(value: string): string {
	const safe = FORMULA_START.test(value) ? `'${value}` : value;
	return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export const RESULT_CSV_HEADER = ["列號", "資料序號", "身分證號(遮罩)", "結果", "代碼", "說明", "處理方式"] as const;

function csvLine(cells: readonly string[]): string {
	return cells.map(csvCell).join(",") + CRLF;
}

/** The result CSV's lines, each ending with CRLF, header first. */
export function* resultCsvLines(rows: Iterable<ResultRow>): Generator<string> {
	yield csvLine(RESULT_CSV_HEADER);
	for (const row of rows) {
		yield csvLine([
			String(row.lineNo),
			String(row.rowNo),
			row.maskedId,
			row.outcome === "failed" ? "失敗" : "成功",
			row.code,
			rowMessage(row) + notesText(row.notes),
			rowFix(row),
		]);
	}
}

export function renderResultCsv(rows: Iterable<ResultRow>): string {
	let out = "";
	for (const line of resultCsvLines(rows)) out += line;
	return out;
}
