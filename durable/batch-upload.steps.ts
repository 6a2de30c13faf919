// Pure step functions of the batch pipeline (parse → check → register → notify; then verify, which
// opens the registrants' verification windows, see workers/services/verification.ts). No I/O here: the
// BatchUpload object feeds them stored text and D1 look-ups and persists what they return.
import { parseBatchCsv, MAX_ROWS } from "../workers/domain/csv-rows.ts";
import { maskIdNo } from "../workers/domain/mask.ts";
import type { FileReasonCode, RowNoteCode, RowReasonCode, RowSuccessCode } from "../workers/domain/reasons.ts";
import { checkRowFormat } from "../workers/domain/row-check.ts";

export type Step = "parse" | "check" | "register" | "notify" | "verify" | "done" | "failed";

/**
 * Rows per chunk. A chunk travels to D1 as ONE bound JSON parameter, and D1 caps a bound value at
 * 2,000,000 bytes: the widest valid row is ~330 bytes of JSON (254-char e-mail), so 5,000 rows stay
 * under 1.7 MB. It also bounds the work of one D1 statement.
 */
export const CHUNK_ROWS = 5_000;

/**
 * One data row after parsing, as a compact tuple (it is stored as JSON):
 * [rowNo, lineNo, idNo (normalised, may be invalid), email, mobile, phone, notes, formatCode]
 * formatCode is null when the row's formats are valid and it still has to be checked against D1.
 */
export type ParsedRow = [
	rowNo: number,
	lineNo: number,
	idNo: string,
	email: string,
	mobile: string,
	phone: string | null,
	notes: RowNoteCode[],
	formatCode: RowReasonCode | null,
];

export type RowCode = RowReasonCode | RowSuccessCode;

export type ParseResult =
	| { ok: true; headerSkipped: boolean; total: number; chunks: ParsedRow[][] }
	| { ok: false; code: FileReasonCode };

/** parse: CSV text → validated rows in chunks, with in-file duplicates marked (first occurrence wins). */
export function parseStep(text: string): ParseResult {
	const { headerSkipped, rows, tooManyRows } = parseBatchCsv(text);
	if (tooManyRows || rows.length > MAX_ROWS) return { ok: false, code: "FILE_TOO_MANY_ROWS" };
	if (rows.length === 0) return { ok: false, code: headerSkipped ? "FILE_NO_ROWS" : "FILE_EMPTY" };
	const seen = new Set<string>();
	const chunks: ParsedRow[][] = [];
	let chunk: ParsedRow[] = [];
	for (const row of rows) {
		const checked = checkRowFormat(row.cells);
		let parsed: ParsedRow;
		if (!checked.ok) {
			parsed = [row.rowNo, row.lineNo, checked.idNo, "", "", null, [], checked.code];
		} else {
			const duplicate = seen.has(checked.idNo);
			seen.add(checked.idNo);
			parsed = [
				row.rowNo,
				row.lineNo,
				checked.idNo,
				checked.email,
				checked.mobile,
				checked.phone,
				checked.notes,
				duplicate ? "DUPLICATE_IN_FILE" : null,
			];
		}
		chunk.push(parsed);
		if (chunk.length === CHUNK_ROWS) {
			chunks.push(chunk);
			chunk = [];
		}
	}
	if (chunk.length > 0) chunks.push(chunk);
	return { ok: true, headerSkipped, total: rows.length, chunks };
}

/** What D1 says of one person, for the check step. */
export type PersonStanding = { insured: boolean; registration: "pending" | "verified" | "expired" | null };

/**
 * check: each row's outcome. Format failures stay; then 在保保險對象 (currently insured member of
 * the unit) → NOT_INSURED; a completed registration → ALREADY_VERIFIED; a pending one → RESENT
 * (contact data updated, new mail, new window); otherwise REGISTERED.
 */
export function checkStep(rows: readonly ParsedRow[], standing: (idNo: string) => PersonStanding): RowCode[] {
	return rows.map(([, , idNo, , , , , formatCode]) => {
		if (formatCode) return formatCode;
		const s = standing(idNo);
		if (!s.insured) return "NOT_INSURED";
		if (s.registration === "verified") return "ALREADY_VERIFIED";
		if (s.registration === "pending") return "RESENT";
		return "REGISTERED";
	});
}

export function isSuccess(code: RowCode): code is RowSuccessCode {
	return code === "REGISTERED" || code === "RESENT";
}

/** IDs the check step must look up in D1 (rows whose formats are valid). */
export function idsToCheck(rows: readonly ParsedRow[]): string[] {
	return rows.filter((r) => r[7] === null).map((r) => r[2]);
}

/** register: the JSON payloads for the bulk SQL of one chunk. */
export function registerPayload(rows: readonly ParsedRow[], outcomes: readonly RowCode[]) {
	const registrations: [idNo: string, email: string, mobile: string, phone: string | null][] = [];
	const results: [rowNo: number, lineNo: number, maskedId: string, idNo: string, code: RowCode, notes: string | null][] =
		[];
	rows.forEach((row, i) => {
		const code = outcomes[i] as RowCode;
		const [rowNo, lineNo, idNo, email, mobile, phone, notes] = row;
		if (isSuccess(code)) registrations.push([idNo, email, mobile, phone]);
		results.push([rowNo, lineNo, maskIdNo(idNo), idNo, code, notes.length > 0 ? JSON.stringify(notes) : null]);
	});
	return { registrations, results };
}

/** notify: the people of one chunk who went in and are handed to verification. */
export function handoffIds(rows: readonly ParsedRow[], outcomes: readonly RowCode[]): string[] {
	return rows.filter((_, i) => isSuccess(outcomes[i] as RowCode)).map((r) => r[2]);
}
