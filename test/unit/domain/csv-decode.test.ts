import { describe, expect, it } from "vitest";
import { decodeCsvBytes, describePosition } from "../../../workers/domain/csv-decode.ts";

/** Big5 codes of the header's characters (checked against TextDecoder("big5") below). */
const BIG5: Record<string, readonly [number, number]> = {
	身: [0xa8, 0xad],
	分: [0xa4, 0xc0],
	證: [0xc3, 0xd2],
	號: [0xb8, 0xb9],
	電: [0xb9, 0x71],
	子: [0xa4, 0x6c],
	郵: [0xb6, 0x6c],
	件: [0xa5, 0xf3],
	行: [0xa6, 0xe6],
	動: [0xb0, 0xca],
	話: [0xb8, 0xdc],
	聯: [0xc1, 0x70],
	絡: [0xb5, 0xb8],
};

/** Encodes text made of ASCII and the characters above, as Excel on zh-TW Windows saves it. */
function big5(text: string): Uint8Array {
	const out: number[] = [];
	for (const ch of text) {
		const code = BIG5[ch];
		if (code) out.push(...code);
		else if (ch.charCodeAt(0) < 0x80) out.push(ch.charCodeAt(0));
		else throw new Error(`no Big5 code for ${ch} in the fixture table`);
	}
	return new Uint8Array(out);
}

const utf8 = (s: string) => new TextEncoder().encode(s);
const bytes = (...b: number[]) => new Uint8Array(b);
function concat(...parts: Uint8Array[]): Uint8Array {
	const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let at = 0;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}
function utf16le(s: string): Uint8Array {
	const out = new Uint8Array(s.length * 2);
	for (let i = 0; i < s.length; i++) {
		out[i * 2] = s.charCodeAt(i) & 0xff;
		out[i * 2 + 1] = s.charCodeAt(i) >> 8;
	}
	return out;
}

const HEADER = "身分證號,電子郵件,行動電話,聯絡電話";
const ROW = "Z987654321,Z987654321@eg.com.tw,0912345678,03-1234567#123";

describe("the fixture's Big5 table", () => {
	it("matches the runtime's Big5 decoder", () => {
		for (const [ch, code] of Object.entries(BIG5)) {
			expect(new TextDecoder("big5").decode(new Uint8Array(code)), ch).toBe(ch);
		}
	});
});

describe("decoding an uploaded CSV", () => {
	it("reads a Big5 file as Excel's CSV (逗號分隔) writes it on zh-TW Windows", () => {
		const file = big5(`${HEADER}\r\n${ROW}\r\n`);
		expect(decodeCsvBytes(file)).toEqual({ ok: true, encoding: "big5", text: `${HEADER}\r\n${ROW}\r\n` });
	});

	it("reads UTF-8 with a BOM and drops the BOM", () => {
		const file = concat(bytes(0xef, 0xbb, 0xbf), utf8(`${HEADER}\r\n${ROW}\r\n`));
		expect(decodeCsvBytes(file)).toEqual({ ok: true, encoding: "utf-8-bom", text: `${HEADER}\r\n${ROW}\r\n` });
	});

	it("reads UTF-8 without a BOM", () => {
		expect(decodeCsvBytes(utf8(`${HEADER}\n${ROW}\n`))).toEqual({ ok: true, encoding: "utf-8", text: `${HEADER}\n${ROW}\n` });
	});

	it("reads a plain ASCII file as UTF-8", () => {
		expect(decodeCsvBytes(utf8(`${ROW}\r\n`))).toMatchObject({ ok: true, encoding: "utf-8" });
	});

	it("keeps a trailing Ctrl-Z and form feeds as text", () => {
		expect(decodeCsvBytes(utf8(`${ROW}\r\n\x1a`))).toMatchObject({ ok: true });
	});

	it("refuses an empty file", () => {
		expect(decodeCsvBytes(new Uint8Array(0))).toEqual({ ok: false, code: "FILE_EMPTY" });
	});

	it("refuses a file with only a BOM or blank lines", () => {
		expect(decodeCsvBytes(bytes(0xef, 0xbb, 0xbf))).toEqual({ ok: false, code: "FILE_EMPTY" });
		expect(decodeCsvBytes(utf8(" \r\n\t\r\n"))).toEqual({ ok: false, code: "FILE_EMPTY" });
		expect(decodeCsvBytes(concat(bytes(0xef, 0xbb, 0xbf), utf8("\r\n")))).toEqual({ ok: false, code: "FILE_EMPTY" });
		expect(decodeCsvBytes(concat(bytes(0xff, 0xfe), utf16le("\r\n")))).toEqual({ ok: false, code: "FILE_EMPTY" });
	});

	it("refuses Excel's Unicode text (UTF-16LE with BOM)", () => {
		const file = concat(bytes(0xff, 0xfe), utf16le(`${HEADER}\r\n${ROW}\r\n`));
		expect(decodeCsvBytes(file)).toEqual({ ok: false, code: "FILE_UTF16" });
	});

	it("refuses UTF-16BE with BOM", () => {
		expect(decodeCsvBytes(concat(bytes(0xfe, 0xff), utf16le(ROW).reverse()))).toEqual({ ok: false, code: "FILE_UTF16" });
	});

	it("refuses UTF-16 without a BOM by its pattern of NUL bytes", () => {
		expect(decodeCsvBytes(utf16le(`${ROW}\r\n${ROW}\r\n`))).toEqual({ ok: false, code: "FILE_UTF16" });
		expect(decodeCsvBytes(utf16le(`${HEADER}\r\n${ROW}\r\n`))).toEqual({ ok: false, code: "FILE_UTF16" });
	});

	it("refuses a workbook (.xlsx) renamed to .csv", () => {
		const xlsx = concat(bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00), utf8("[Content_Types].xml"));
		expect(decodeCsvBytes(xlsx)).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses a ZIP even when its header has no NUL bytes", () => {
		expect(decodeCsvBytes(concat(bytes(0x50, 0x4b, 0x03, 0x04), utf8("xl/workbook.xml")))).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses an old Excel 97-2003 workbook (.xls)", () => {
		const xls = concat(bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1), new Uint8Array(504));
		expect(decodeCsvBytes(xls)).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses a PDF", () => {
		expect(decodeCsvBytes(utf8("%PDF-1.7\n%âãÏÓ\n1 0 obj"))).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses text with a NUL byte or many control characters", () => {
		expect(decodeCsvBytes(concat(utf8(ROW), bytes(0x00), utf8(`\r\n${ROW}`)))).toEqual({ ok: false, code: "FILE_BINARY" });
		expect(decodeCsvBytes(utf8(`${ROW}\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0e\x0f`))).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses bytes that are neither UTF-8 nor Big5", () => {
		// 0xFF is never a Big5 lead byte; 0x80 is not one either.
		expect(decodeCsvBytes(concat(utf8(ROW), bytes(0xff, 0xff, 0x80)))).toEqual({ ok: false, code: "FILE_BINARY" });
	});

	it("refuses a Big5 file with a user-defined character (造字, 0x8140), naming its line and byte", () => {
		const file = concat(big5(`${HEADER}\r\n${ROW}\r\n`), utf8("A123456789,"), bytes(0x81, 0x40), utf8(",0912345678,\r\n"));
		const at = big5(`${HEADER}\r\n${ROW}\r\nA123456789,`).length + 1;
		expect(decodeCsvBytes(file)).toEqual({ ok: false, code: "FILE_BIG5_USER_DEFINED", at: { line: 3, byte: at, pair: "0x8140" } });
		expect(describePosition({ line: 3, byte: at, pair: "0x8140" })).toBe(`（第 3 列，檔案第 ${at} 個位元組：0x8140）`);
	});

	it("reads user-defined-area pairs the Big5 decoder knows (HKSCS characters) as text", () => {
		// 0x8840 is in CP950's user-defined area, and HKSCS (which WHATWG's Big5 follows) gives it a character.
		const decoded = decodeCsvBytes(concat(big5(`${HEADER}\r\n`), bytes(0x88, 0x40), utf8(`,${ROW}\r\n`)));
		expect(decoded).toMatchObject({ ok: true, encoding: "big5" });
	});

	it("refuses a UTF-8 BOM followed by bytes that are not UTF-8", () => {
		expect(decodeCsvBytes(concat(bytes(0xef, 0xbb, 0xbf), big5(HEADER)))).toEqual({ ok: false, code: "FILE_BINARY" });
	});
});
