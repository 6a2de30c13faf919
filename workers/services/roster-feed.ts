// The operator's roster feed (SPEC §1 operator: "loads … the insured-member roster"): a UTF-8 CSV of
// 在保保險對象 whose header names its columns either way — unit_code,id_no,name,enrolled_on,withdrawn_on
// or NHI's own 投保單位代號,身分證號,姓名,加保日期,退保日期 — with dates as ISO yyyy-mm-dd or ROC yyyMMdd
// (1100101; Excel's 990101 without the leading 0 too). Every row is checked on its own; the good rows are
// upserted in bulk and in one D1 batch (one transaction), the bad ones come back by line with a stable
// code and a zh-TW message. Loading the same file twice gives the same roster.

import Papa from "papaparse";
import { maskIdNo } from "../domain/mask.ts";
import { isValidIdNo } from "../domain/national-id.ts";
import { normalizeCell, normalizeIdNo } from "../domain/normalize.ts";
import { calendarDateToIso, compareDates, isoToCalendarDate, parseRocDate, type CalendarDate } from "../domain/roc-date.ts";
import { AppError } from "../errors.ts";
import {
	knownUnitCodes,
	ROSTER_CHUNK_ROWS,
	rosterAuditStatement,
	type RosterEntry,
	upsertPeopleChunk,
	upsertRosterChunk,
} from "../sql/roster.ts";

export const ROSTER_HEADER = ["unit_code", "id_no", "name", "enrolled_on", "withdrawn_on"] as const;
/** The same columns in NHI's own terms. */
export const ROSTER_HEADER_ZH = ["投保單位代號", "身分證號", "姓名", "加保日期", "退保日期"] as const;
type RosterField = (typeof ROSTER_HEADER)[number];
/** withdrawn_on (退保日期) may be left out: everyone is then currently insured. */
const REQUIRED_FIELDS: readonly RosterField[] = ["unit_code", "id_no", "name", "enrolled_on"];
/** Header names (lower-cased, spaces removed) → field: both header sets and a few spellings of them. */
const HEADER_NAMES = new Map<string, RosterField>([
	...ROSTER_HEADER.map((f): [string, RosterField] => [f, f]),
	...ROSTER_HEADER_ZH.map((name, i): [string, RosterField] => [name, ROSTER_HEADER[i] ?? "unit_code"]),
	["身份證號", "id_no"],
	["身分證字號", "id_no"],
	["身份證字號", "id_no"],
	["投保日期", "enrolled_on"],
]);
export const ROSTER_MAX_ROWS = 100_000;
/** 100,000 rows of at most ~200 bytes each, with room to spare; Workers accept bodies up to 100 MB. */
export const ROSTER_MAX_BYTES = 32 * 1024 * 1024;
/** Keeps a row's JSON within the size ROSTER_CHUNK_ROWS is computed for. */
const NAME_MAX_CHARS = 50;

export const ROSTER_ROW_CODES = [
	"COLUMNS",
	"UNIT_CODE_INVALID",
	"UNIT_UNKNOWN",
	"ID_INVALID",
	"NAME_MISSING",
	"NAME_INVALID",
	"ENROLLED_INVALID",
	"WITHDRAWN_INVALID",
	"WITHDRAWN_BEFORE_ENROLLED",
	"DUPLICATE_IN_FILE",
] as const;
export type RosterRowCode = (typeof ROSTER_ROW_CODES)[number];

export type RosterRowError = { line: number; code: RosterRowCode; message: string };
export type RosterLoadResult = { received: number; upserted: number; failed: number; errors: RosterRowError[] };

type Context = { unitCode: string; maskedId: string; firstLine: number };

/** The zh-TW message of each row code; IDs only ever appear masked. */
const ROW_MESSAGES: { [C in RosterRowCode]: (x: Context) => string } = {
	COLUMNS: () => "欄位數不符：每列須依標題列的欄位填寫，不可多於標題列。",
	UNIT_CODE_INVALID: () => "投保單位代號須為9碼數字。",
	UNIT_UNKNOWN: (x) => `查無投保單位代號 ${x.unitCode}。`,
	ID_INVALID: (x) => `身分證號 ${x.maskedId} 格式或檢查碼錯誤。`,
	NAME_MISSING: () => "姓名不可空白。",
	NAME_INVALID: () => `姓名不可超過${NAME_MAX_CHARS}字，且不可含控制字元。`,
	ENROLLED_INVALID: () => "加保日期(enrolled_on)須為存在的日期，格式 yyyy-mm-dd 或民國年月日 yyyMMdd(如 1100101)。",
	WITHDRAWN_INVALID: () => "退保日期(withdrawn_on)須為存在的日期，格式 yyyy-mm-dd 或民國年月日 yyyMMdd；仍在保者請留空。",
	WITHDRAWN_BEFORE_ENROLLED: () => "退保日期不可早於投保日期。",
	DUPLICATE_IN_FILE: (x) => `投保單位 ${x.unitCode} 的身分證號 ${x.maskedId} 與第${x.firstLine}行重複，以第一次出現者為準。`,
};

const CONTROL = /[\u0000-\u001f\u007f]/;

/** The request body as text: UTF-8 only (a BOM is dropped), anything else is refused as a whole. */
export function decodeRosterCsv(body: ArrayBuffer): string {
	try {
		return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(body);
	} catch {
		throw new AppError("BAD_REQUEST", "名冊檔須為 UTF-8 編碼的 CSV 檔。");
	}
}

type ParsedRow = { line: number; cells: string[] };

/** Where each field is in a row: the header's column of each field (withdrawn_on may be absent). */
export type RosterColumns = Record<RosterField, number | null>;

/** The header row → where each field is; a header that is neither set is refused as a whole. */
function rosterColumns(header: readonly string[]): RosterColumns {
	const refuse = () => {
		throw new AppError("BAD_REQUEST", `名冊第1行須為標題列：${ROSTER_HEADER.join(",")}，或 ${ROSTER_HEADER_ZH.join(",")}`);
	};
	const columns: RosterColumns = { unit_code: null, id_no: null, name: null, enrolled_on: null, withdrawn_on: null };
	trimTrailingEmpty(header).forEach((cell, i) => {
		const field = HEADER_NAMES.get(normalizeCell(cell).toLowerCase().replace(/\s+/g, ""));
		if (!field || columns[field] !== null) refuse();
		else columns[field] = i;
	});
	if (REQUIRED_FIELDS.some((f) => columns[f] === null)) refuse();
	return columns;
}

/** Data rows with their physical line numbers (the header is line 1); blank lines are skipped. */
export function parseRosterCsv(text: string): { columns: RosterColumns; rows: ParsedRow[] } {
	const input = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
	const rows: ParsedRow[] = [];
	let line = 1;
	let header: string[] | null = null;
	let tooMany = false;
	Papa.parse<string[]>(input, {
		delimiter: ",",
		newline: "\n",
		skipEmptyLines: false,
		step: (result, parser) => {
			const cells = result.data;
			const start = line;
			line += 1 + cells.reduce((n, cell) => n + (cell.split("\n").length - 1), 0);
			if (cells.every((cell) => cell.trim() === "")) return;
			if (header === null) {
				header = cells;
				return;
			}
			if (rows.length === ROSTER_MAX_ROWS) {
				tooMany = true;
				parser.abort();
				return;
			}
			rows.push({ line: start, cells });
		},
	});
	const columns = rosterColumns(header ?? []);
	if (tooMany) throw new AppError("PAYLOAD_TOO_LARGE", `名冊超過 ${ROSTER_MAX_ROWS.toLocaleString("en")} 筆資料上限，請分檔載入。`);
	return { columns, rows };
}

/** ISO yyyy-mm-dd, or ROC yyyMMdd as NHI writes it (and 6 digits: Excel drops a leading 0 of 0990101). */
export function parseRosterDate(text: string): CalendarDate | null {
	if (/^\d{7}$/.test(text)) return parseRocDate(text);
	if (/^\d{6}$/.test(text)) return parseRocDate(`0${text}`);
	return isoToCalendarDate(text);
}

function trimTrailingEmpty(cells: readonly string[]): string[] {
	let end = cells.length;
	while (end > 0 && (cells[end - 1] ?? "").trim() === "") end--;
	return cells.slice(0, end);
}

/** Checks one row on its own (the unit's existence is checked later, for all rows at once). */
function checkRow(cells: readonly string[], columns: RosterColumns): { entry: RosterEntry } | { code: RosterRowCode; entry: Partial<RosterEntry> } {
	// Excel may add empty columns to the right; withdrawn_on may be left out entirely.
	const kept = trimTrailingEmpty(cells);
	const lastRequired = Math.max(...REQUIRED_FIELDS.map((f) => columns[f] ?? 0));
	const width = Math.max(...Object.values(columns).map((i) => i ?? 0)) + 1;
	if (kept.length <= lastRequired || kept.length > width) return { code: "COLUMNS", entry: {} };
	const raw = (field: RosterField) => {
		const i = columns[field];
		return i === null ? "" : (kept[i] ?? "");
	};
	const [unitCode, idNo, name, enrolledOn, withdrawnOn] = [
		normalizeCell(raw("unit_code")),
		normalizeIdNo(raw("id_no")),
		normalizeCell(raw("name")),
		normalizeCell(raw("enrolled_on")),
		normalizeCell(raw("withdrawn_on")),
	];
	const entry = { unitCode, idNo, name, enrolledOn, withdrawnOn: withdrawnOn === "" ? null : withdrawnOn };
	if (!/^\d{9}$/.test(unitCode)) return { code: "UNIT_CODE_INVALID", entry };
	if (!isValidIdNo(idNo)) return { code: "ID_INVALID", entry };
	if (name === "") return { code: "NAME_MISSING", entry };
	if (Array.from(name).length > NAME_MAX_CHARS || CONTROL.test(name)) return { code: "NAME_INVALID", entry };
	const enrolled = parseRosterDate(enrolledOn);
	if (!enrolled) return { code: "ENROLLED_INVALID", entry };
	let withdrawn: CalendarDate | null = null;
	if (entry.withdrawnOn !== null) {
		withdrawn = parseRosterDate(entry.withdrawnOn);
		if (!withdrawn) return { code: "WITHDRAWN_INVALID", entry };
		if (compareDates(withdrawn, enrolled) < 0) return { code: "WITHDRAWN_BEFORE_ENROLLED", entry };
	}
	// Stored as ISO dates whichever way the feed wrote them (schema/STORAGE.md).
	return { entry: { ...entry, enrolledOn: calendarDateToIso(enrolled), withdrawnOn: withdrawn && calendarDateToIso(withdrawn) } };
}

function rowError(line: number, code: RosterRowCode, entry: Partial<RosterEntry>, firstLine = 0): RosterRowError {
	const message = ROW_MESSAGES[code]({ unitCode: entry.unitCode ?? "", maskedId: maskIdNo(entry.idNo ?? ""), firstLine });
	return { line, code, message };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
	return out;
}

/** Validates and loads a roster CSV; whole-file problems throw AppError, row problems are returned. */
export async function loadRoster(db: D1Database, csv: string, nowMs: number): Promise<RosterLoadResult> {
	const { columns, rows } = parseRosterCsv(csv);
	const errors: RosterRowError[] = [];
	const candidates: { line: number; entry: RosterEntry }[] = [];
	const firstLineOf = new Map<string, number>();

	for (const { line, cells } of rows) {
		const checked = checkRow(cells, columns);
		if ("code" in checked) {
			errors.push(rowError(line, checked.code, checked.entry));
			continue;
		}
		const key = `${checked.entry.unitCode}/${checked.entry.idNo}`;
		const firstLine = firstLineOf.get(key);
		if (firstLine !== undefined) {
			errors.push(rowError(line, "DUPLICATE_IN_FILE", checked.entry, firstLine));
			continue;
		}
		firstLineOf.set(key, line);
		candidates.push({ line, entry: checked.entry });
	}

	const units = await knownUnitCodes(db, [...new Set(candidates.map((c) => c.entry.unitCode))]);
	const valid: RosterEntry[] = [];
	for (const { line, entry } of candidates) {
		if (units.has(entry.unitCode)) valid.push(entry);
		else errors.push(rowError(line, "UNIT_UNKNOWN", entry));
	}
	errors.sort((a, b) => a.line - b.line);

	// One person per ID; with two units in the file, the later row's name wins (the feed is in time order).
	const people = [...new Map(valid.map((e) => [e.idNo, { idNo: e.idNo, name: e.name }])).values()];
	const result: RosterLoadResult = { received: rows.length, upserted: valid.length, failed: errors.length, errors };
	const loadedUnits = [...new Set(valid.map((e) => e.unitCode))];
	const audit = rosterAuditStatement(db, {
		at: nowMs,
		unitCode: loadedUnits.length === 1 ? (loadedUnits[0] ?? null) : null,
		detail: JSON.stringify({ received: result.received, upserted: result.upserted, failed: result.failed, units: loadedUnits.length }),
	});
	// One batch is one transaction: the roster never shows half a file.
	await db.batch([
		audit,
		...chunks(people, ROSTER_CHUNK_ROWS).map((chunk) => upsertPeopleChunk(db, chunk, nowMs)),
		...chunks(valid, ROSTER_CHUNK_ROWS).map((chunk) => upsertRosterChunk(db, chunk, nowMs)),
	]);
	return result;
}
