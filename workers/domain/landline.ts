// 聯絡電話 (SPEC §2): a Taiwan landline `0<area>-<number>[#ext]`, as the seed's column header asks
// (連絡電話(區碼以-隔開,分機以#隔開)). Stored canonically as `0AA-NNNNNNN` or `0AA-NNNNNNN#EXT`.

import { normalizeCell } from "./normalize.ts";

export type LandlineResult = { ok: true; value: string } | { ok: false };

// Area code → allowed subscriber-number lengths (SPEC §2), longest code first: 0826 (烏坵) and 0836
// (馬祖) sit inside 08 and 083, 037 (苗栗) inside 03, 049 (南投) inside 04, 082 (金門) and 089 (臺東)
// inside 08, so the dialled digits belong to the longest code they start with.
const AREA_CODES: readonly (readonly [string, readonly number[]])[] = [
	["0826", [5]],
	["0836", [5]],
	["037", [6]],
	["049", [7]],
	["082", [6]],
	["089", [6]],
	["02", [8]],
	["03", [7]],
	["04", [7, 8]],
	["05", [7]],
	["06", [7]],
	["07", [7]],
	["08", [7]],
];

// `#` is the seed's extension mark; 轉 and 分機 are how the same thing is written in Chinese.
const WITH_EXTENSION = /^(.*?)\s*(?:#|轉|分機)\s*(\d{1,6})$/;
// 02-12345678, and (02)12345678 as people write it in Excel; digit groups may be split by - or space.
const DASHED = /^(0\d{1,3})\s*-\s*(\d+(?:[- ]\d+)*)$/;
const PARENTHESISED = /^\((0\d{1,3})\)\s*-?\s*(\d+(?:[- ]\d+)*)$/;

export function parseLandline(raw: string): LandlineResult {
	let main = normalizeCell(raw);
	let extension = "";
	if (/#|轉|分機/.test(main)) {
		const match = WITH_EXTENSION.exec(main);
		if (match === null) return { ok: false };
		main = match[1] ?? "";
		extension = `#${match[2] ?? ""}`;
	}
	const parts = DASHED.exec(main) ?? PARENTHESISED.exec(main);
	const typedArea = parts?.[1];
	const number = parts?.[2];
	if (typedArea === undefined || number === undefined) return { ok: false };
	if (!AREA_CODES.some(([code]) => code === typedArea)) return { ok: false };

	// Where the user put the "-" does not decide the area: 08-9123456 is dialled as 089-123456.
	const digits = typedArea + number.replace(/[- ]/g, "");
	const area = AREA_CODES.find(([code]) => digits.startsWith(code));
	if (area === undefined) return { ok: false };
	const [code, lengths] = area;
	const subscriber = digits.slice(code.length);
	if (!lengths.includes(subscriber.length)) return { ok: false };
	return { ok: true, value: `${code}-${subscriber}${extension}` };
}
