// Masks for IDs and e-mail addresses wherever they are shown outside the person's own record:
// logs, lists, result files, mails (SPEC §10). The seed masks an ID as its first 6 characters + "****".

const MASK = "****";
const ID_SHOWN = 6;
const ID_HIDDEN_AT_LEAST = 4;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Control characters are replaced so a raw, unvalidated cell can never break a log line. */
function printable(chars: string[]): string {
	return chars.map((ch) => (ch < " " || ch === "\u007f" ? "?" : ch)).join("");
}

/**
 * "A230845678" → "A23084****". A malformed value shorter than 10 characters still keeps at least its
 * last 4 characters hidden, so no input ever comes out whole ("A1234" → "A****", "" → "****").
 */
export function maskIdNo(id: string): string {
	// Printable ASCII (every valid ID): one character per code unit, nothing to replace.
	if (PRINTABLE_ASCII.test(id)) return id.slice(0, Math.max(0, Math.min(ID_SHOWN, id.length - ID_HIDDEN_AT_LEAST))) + MASK;
	const chars = Array.from(id);
	const shown = Math.max(0, Math.min(ID_SHOWN, chars.length - ID_HIDDEN_AT_LEAST));
	return printable(chars.slice(0, shown)) + MASK;
}

/**
 * "abcdef@example.com" → "ab***@example.com": the first 2 characters of the local part, never all of
 * it ("ab@x.tw" → "a***@x.tw"). Without an "@" the whole value is treated as a local part.
 */
export function maskEmail(email: string): string {
	const at = email.lastIndexOf("@");
	const local = Array.from(at < 0 ? email : email.slice(0, at));
	const domain = at < 0 ? "" : email.slice(at);
	const shown = Math.max(0, Math.min(2, local.length - 1));
	return printable(local.slice(0, shown)) + "***" + printable(Array.from(domain));
}
