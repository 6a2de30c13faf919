// Cell normalisation for uploaded CSV data (SPEC §2 "Normalize first: trim, NFKC, upper-case the ID").
// Excel on zh-TW Windows and IME input routinely produce full-width letters and digits (Ａ１２３),
// ideographic spaces (U+3000), non-breaking spaces and invisible marks pasted from web pages or mail.

// Zero-width space/joiners, word joiner, BOM, soft hyphen and direction marks: invisible, never meant.
const INVISIBLE = /[\u00AD\u200B-\u200F\u2060\uFEFF]/g;

// Printable ASCII without leading or trailing spaces: already normal (NFKC leaves ASCII alone).
const PLAIN = /^(?:[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?)?$/;

/** NFKC (full-width → half-width, U+3000 → space), invisible marks removed, then trimmed. */
export function normalizeCell(raw: string): string {
	// Most cells of a file are plain ASCII: skip the work (a third of parsing 100,000 rows).
	if (PLAIN.test(raw)) return raw;
	// String.prototype.trim already covers U+3000, NBSP and the other Unicode spaces.
	return raw.replace(INVISIBLE, "").normalize("NFKC").trim();
}

/** A normalised cell, upper-cased: ID numbers are compared and checked in upper case. */
export function normalizeIdNo(raw: string): string {
	return normalizeCell(raw).toUpperCase();
}
