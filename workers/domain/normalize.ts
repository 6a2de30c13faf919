// Cell normalisation for uploaded CSV data (SPEC §2 "Normalize first: trim, NFKC, upper-case the ID").
// Excel on zh-TW Windows and IME input routinely produce full-width letters and digits (Ａ１２３),
// ideographic spaces (U+3000), non-breaking spaces and invisible marks pasted from web pages or mail.

// Zero-width space/joiners, word joiner, BOM, soft hyphen and direction marks: invisible, never meant.
// With them the bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) and the Arabic
// letter mark, which reorder what follows them: in a log line or a file name "a\u202Evsc.exe" reads as
// "aexe.csv" (Trojan Source, CVE-2021-42574). They are dropped, never shown.
const INVISIBLE = /[\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/g;
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** `text` without bidi controls: for text kept as typed (file names, contact names) that a page, a log or a mail shows. */
export function stripBidiControls(text: string): string {
	return text.replace(BIDI_CONTROLS, "");
}

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
