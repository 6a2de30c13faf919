// Turns an uploaded file's bytes into text (SPEC §2 "Encoding"): UTF-8 with or without BOM, or Big5/CP950
// as Excel's "CSV (逗號分隔)" writes it on zh-TW Windows. UTF-16 ("Unicode 文字") and binary files (an
// .xlsx renamed to .csv, an old .xls, a PDF) are refused by name so the clerk knows what to fix.

export type CsvEncoding = "utf-8-bom" | "utf-8" | "big5";

/** Where in the file a byte pair could not be read: 1-based line and byte offset, and the pair in hex. */
export type BytePosition = { line: number; byte: number; pair: string };

export type CsvDecodeResult =
	| { ok: true; text: string; encoding: CsvEncoding }
	| { ok: false; code: "FILE_EMPTY" | "FILE_UTF16" | "FILE_BINARY" }
	| { ok: false; code: "FILE_BIG5_USER_DEFINED"; at: BytePosition };

/** How much of the file the UTF-16 and control-character heuristics look at. */
const SNIFF_BYTES = 64 * 1024;

const MAGIC: readonly (readonly number[])[] = [
	[0x50, 0x4b, 0x03, 0x04], // ZIP: .xlsx / .ods renamed
	[0x50, 0x4b, 0x05, 0x06], // empty ZIP
	[0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], // OLE2: .xls
	[0x25, 0x50, 0x44, 0x46, 0x2d], // %PDF-
];

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
	return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function isBlank(bytes: Uint8Array, from: number, allowNul: boolean): boolean {
	for (let i = from; i < bytes.length; i++) {
		const b = bytes[i];
		if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || (allowNul && b === 0)) continue;
		return false;
	}
	return true;
}

/** ASCII-heavy UTF-16 without a BOM: NULs in one byte of most pairs and almost never in the other. */
function looksLikeUtf16(sample: Uint8Array): boolean {
	const pairs = Math.floor(sample.length / 2);
	if (pairs < 2) return false;
	let even = 0;
	let odd = 0;
	for (let i = 0; i + 1 < sample.length; i += 2) {
		if (sample[i] === 0) even++;
		if (sample[i + 1] === 0) odd++;
	}
	const more = Math.max(even, odd);
	const fewer = Math.min(even, odd);
	return more >= pairs * 0.2 && fewer <= more * 0.1;
}

/** C0 controls other than TAB, LF, CR, FF and Ctrl-Z (an old DOS end-of-file mark). */
function controlCount(sample: Uint8Array): number {
	let n = 0;
	for (const b of sample) {
		if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1a) n++;
	}
	return n;
}

function tryDecode(label: string, bytes: Uint8Array): string | null {
	try {
		return new TextDecoder(label, { fatal: true, ignoreBOM: false }).decode(bytes);
	} catch {
		return null;
	}
}

export function decodeCsvBytes(bytes: Uint8Array): CsvDecodeResult {
	const utf8Bom = startsWith(bytes, [0xef, 0xbb, 0xbf]);
	const utf16Bom = startsWith(bytes, [0xff, 0xfe]) || startsWith(bytes, [0xfe, 0xff]);
	if (isBlank(bytes, utf8Bom ? 3 : utf16Bom ? 2 : 0, utf16Bom)) return { ok: false, code: "FILE_EMPTY" };

	const sample = bytes.subarray(0, SNIFF_BYTES);
	if (utf16Bom || looksLikeUtf16(sample)) return { ok: false, code: "FILE_UTF16" };
	if (MAGIC.some((m) => startsWith(bytes, m))) return { ok: false, code: "FILE_BINARY" };
	if (bytes.indexOf(0) >= 0 || controlCount(sample) * 100 > sample.length) {
		return { ok: false, code: "FILE_BINARY" };
	}

	// TextDecoder drops a leading UTF-8 BOM itself.
	if (utf8Bom) {
		const text = tryDecode("utf-8", bytes);
		return text === null ? { ok: false, code: "FILE_BINARY" } : { ok: true, text, encoding: "utf-8-bom" };
	}
	const utf8 = tryDecode("utf-8", bytes);
	if (utf8 !== null) return { ok: true, text: utf8, encoding: "utf-8" };
	const big5 = tryDecode("big5", bytes);
	if (big5 !== null) return { ok: true, text: big5, encoding: "big5" };
	const userDefined = firstUserDefinedPair(bytes);
	if (userDefined) return { ok: false, code: "FILE_BIG5_USER_DEFINED", at: userDefined };
	return { ok: false, code: "FILE_BINARY" };
}

// CP950's user-defined areas (使用者造字, Windows' 造字程式 / EUDC): 0x8140–0xA0FE, 0xC6A1–0xC8FE and
// 0xFA40–0xFEFE. Windows maps them to private-use characters that mean nothing without the PC's own
// font, and the WHATWG Big5 decoder (TextDecoder "big5") refuses the pairs it has no character for
// (0x8140 and its row, for one). A file with one is refused by the position of the pair, so the clerk
// can find the character and replace it.
function isUserDefined(lead: number, trail: number): boolean {
	const code = (lead << 8) | trail;
	return (code >= 0x8140 && code <= 0xa0fe) || (code >= 0xc6a1 && code <= 0xc8fe) || (code >= 0xfa40 && code <= 0xfefe);
}

/** Where a decoding refusal happened, as the page and the rejection record say it. */
export function describePosition(at: BytePosition): string {
	return `（第 ${at.line} 列，檔案第 ${at.byte} 個位元組：${at.pair}）`;
}

/** The first user-defined Big5 pair that the runtime's Big5 decoder cannot read, walking the bytes as Big5. */
function firstUserDefinedPair(bytes: Uint8Array): BytePosition | null {
	const decoder = new TextDecoder("big5", { fatal: true, ignoreBOM: false });
	let line = 1;
	for (let i = 0; i < bytes.length; i++) {
		const lead = bytes[i] ?? 0;
		if (lead === 0x0a) line++;
		if (lead < 0x81 || lead > 0xfe) continue;
		const trail = bytes[i + 1];
		if (trail === undefined) return null;
		if (isUserDefined(lead, trail)) {
			try {
				decoder.decode(bytes.subarray(i, i + 2));
			} catch {
				const pair = `0x${((lead << 8) | trail).toString(16).toUpperCase()}`;
				return { line, byte: i + 1, pair };
			}
		}
		if ((trail >= 0x40 && trail <= 0x7e) || (trail >= 0xa1 && trail <= 0xfe)) i++; // a pair's trail byte is never a line feed
	}
	return null;
}
