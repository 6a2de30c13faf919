// Taiwan ID numbers (SPEC §2 身分證號): the national ID 國民身分證統一編號 `[A-Z][12]\d{8}`, the new
// resident number 新式統一證號 `[A-Z][89]\d{8}` and the old resident number 舊式居留證號
// `[A-Z][A-D]\d{8}`, all sharing one checksum. Input must already be normalised (upper case).

export type IdKind = "national" | "resident-new" | "resident-old";

// Letters in the order of their codes 10..35 (A=10 … H=17, J=18 … Z=33, I=34, O=35): the codes were
// assigned to the cities and counties, then I and O added last, so this is not alphabetical.
const LETTER_ORDER = "ABCDEFGHJKLMNPQRSTUVXYWZIO";

const FORMATS: readonly (readonly [IdKind, RegExp])[] = [
	["national", /^[A-Z][12]\d{8}$/],
	["resident-new", /^[A-Z][89]\d{8}$/],
	["resident-old", /^[A-Z][A-D]\d{8}$/],
];

// The same formats cut before the check digit, for checkDigitFor().
const FIRST9 = /^[A-Z](?:[1289]|[A-D])\d{7}$/;

/** Which of the three formats `id` has (shape only, checksum not tested), or null. */
export function idKind(id: string): IdKind | null {
	for (const [kind, pattern] of FORMATS) {
		if (pattern.test(id)) return kind;
	}
	return null;
}

/** True when `id` has one of the three formats and a correct check digit. */
export function isValidIdNo(id: string): boolean {
	if (idKind(id) === null) return false;
	return (weightedSum(id.slice(0, 9)) + Number(id.charAt(9))) % 10 === 0;
}

/** The check digit that completes `first9` (the first nine characters of a valid-format ID). */
export function checkDigitFor(first9: string): string {
	if (!FIRST9.test(first9)) {
		throw new RangeError("checkDigitFor expects a letter, [1289A-D] and 7 digits");
	}
	return String((10 - (weightedSum(first9) % 10)) % 10);
}

// Weights 1,9 for the two digits of the first letter's code, then 8..1 for positions 2..9; the check
// digit (weight 1) is added by the caller. An old-ARC second letter counts as its code % 10.
function weightedSum(first9: string): number {
	const code = letterCode(first9.charAt(0));
	let sum = Math.floor(code / 10) + (code % 10) * 9;
	for (let i = 1; i < 9; i++) {
		const ch = first9.charAt(i);
		const value = i === 1 && ch >= "A" && ch <= "Z" ? letterCode(ch) % 10 : Number(ch);
		sum += value * (9 - i);
	}
	return sum;
}

function letterCode(letter: string): number {
	return LETTER_ORDER.indexOf(letter) + 10;
}
