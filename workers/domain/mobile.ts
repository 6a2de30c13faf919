// 行動電話 (SPEC §2): a Taiwan mobile number `09\d{8}`, stored as those ten digits.

import { normalizeCell } from "./normalize.ts";

export type MobileResult = { ok: true; value: string; repaired: boolean } | { ok: false };

// What people type between digit groups: 0912-345-678, 0912 345 678.
const SEPARATORS = /[-\s]/g;
const MOBILE = /^09\d{8}$/;
// Excel reads 0912345678 as a number and saves 912345678 (SPEC §2: repair it and say so).
const EXCEL_DROPPED_ZERO = /^9\d{8}$/;
// International form: +886 912 345 678, 886912345678, and the common +886 0912… slip.
const INTERNATIONAL = /^\+?886(0?9\d{8})$/;

export function parseMobile(raw: string): MobileResult {
	const digits = normalizeCell(raw).replace(SEPARATORS, "");
	if (MOBILE.test(digits)) return { ok: true, value: digits, repaired: false };
	if (EXCEL_DROPPED_ZERO.test(digits)) return { ok: true, value: `0${digits}`, repaired: true };
	const national = INTERNATIONAL.exec(digits)?.[1];
	if (national !== undefined) {
		return { ok: true, value: national.startsWith("0") ? national : `0${national}`, repaired: false };
	}
	return { ok: false };
}
