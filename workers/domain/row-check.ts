// The format half of the row rules (SPEC §2): one CSV data row's four cells → the normalised values,
// or the first reason it fails. Roster, duplicate and already-verified checks need D1 and run later.

import { isValidIdNo } from "./national-id.ts";
import { normalizeEmail } from "./email.ts";
import { parseLandline } from "./landline.ts";
import { parseMobile } from "./mobile.ts";
import { normalizeCell, normalizeIdNo } from "./normalize.ts";
import type { RowNoteCode, RowReasonCode } from "./reasons.ts";

/** Raw cells of one CSV data row, any count. */
export type RowInput = { cells: readonly string[] };

export type CheckedRow =
	| { ok: true; idNo: string; email: string; mobile: string; phone: string | null; notes: RowNoteCode[] }
	// idNo is the normalised cell as typed (possibly invalid or empty), so callers can mask it in the log.
	| { ok: false; idNo: string; code: RowReasonCode };

/**
 * Full-width forms of ASCII (Ａ１２３, ＠, －) as a zh-TW IME types them. NFKC makes them half-width
 * (normalize.ts); the row then goes in with a note, as a repaired mobile does.
 */
const FULL_WIDTH = /[\uFF01-\uFF5E]/;

/** Columns in order 身分證號, 電子郵件, 行動電話, 聯絡電話; missing trailing cells count as empty. */
export function checkRowFormat(cells: readonly string[]): CheckedRow {
	const idNo = normalizeIdNo(cells[0] ?? "");
	if (!isValidIdNo(idNo)) return { ok: false, idNo, code: "ID_INVALID" };

	const email = normalizeEmail(cells[1] ?? "");
	if (email === null) return { ok: false, idNo, code: "EMAIL_INVALID" };

	const mobile = parseMobile(cells[2] ?? "");
	if (!mobile.ok) return { ok: false, idNo, code: "MOBILE_INVALID" };
	const notes: RowNoteCode[] = mobile.repaired ? ["MOBILE_REPAIRED"] : [];
	if (cells.slice(0, 4).some((cell) => FULL_WIDTH.test(cell))) notes.push("FULL_WIDTH_REPAIRED");

	const phoneCell = normalizeCell(cells[3] ?? "");
	let phone: string | null = null;
	if (phoneCell !== "") {
		const parsed = parseLandline(phoneCell);
		if (!parsed.ok) return { ok: false, idNo, code: "PHONE_INVALID" };
		phone = parsed.value;
	}
	return { ok: true, idNo, email, mobile: mobile.value, phone, notes };
}
