// The batch file's name carries the unit and the application date (seed: "投保單位代號+年月日.CSV",
// e.g. 1100010001050801.csv): 9-digit unit code + 7-digit ROC date, extension in any case.

import { type CalendarDate, compareDates, parseRocDate, taipeiToday } from "./roc-date.ts";

export type BatchFileNameResult =
	| { ok: true; stem: string; date: CalendarDate }
	| {
			ok: false;
			code: "FILE_EXTENSION" | "FILE_NAME_FORMAT" | "FILE_UNIT_MISMATCH" | "FILE_DATE_INVALID" | "FILE_DATE_FUTURE";
	  };

const CSV_EXTENSION = /\.csv$/i;
const STEM = /^(\d{9})(\d{7})$/;

/** The last path segment: some browsers send "C:\fakepath\1100010001050801.csv". */
export function baseName(name: string): string {
	return name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
}

export function parseBatchFileName(name: string, unitCode: string, nowMs: number): BatchFileNameResult {
	// NFKC so a full-width "１１０…．ＣＳＶ" typed by an IME reads like its ASCII twin.
	const file = baseName(name.normalize("NFKC")).trim();
	if (!CSV_EXTENSION.test(file)) return { ok: false, code: "FILE_EXTENSION" };
	const stem = file.slice(0, -4);
	const m = STEM.exec(stem);
	if (!m) return { ok: false, code: "FILE_NAME_FORMAT" };
	if (m[1] !== unitCode) return { ok: false, code: "FILE_UNIT_MISMATCH" };
	const date = parseRocDate(m[2] ?? "");
	if (!date) return { ok: false, code: "FILE_DATE_INVALID" };
	if (compareDates(date, taipeiToday(nowMs)) > 0) return { ok: false, code: "FILE_DATE_FUTURE" };
	return { ok: true, stem, date };
}
