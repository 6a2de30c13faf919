import { describe, expect, it } from "vitest";
import { checkFileShape, isHeaderRow, MAX_FILE_BYTES, MAX_ROWS, PARSE_CHUNK_CHARS, parseBatchCsv } from "../../../workers/domain/csv-rows.ts";

const HEADER = "身分證號,電子郵件,行動電話,連絡電話(區碼以-隔開,分機以#隔開),<第一列請勿上傳";
const ROW = "Z987654321,Z987654321@eg.com.tw,0912345678,03-1234567#123";
const CELLS = ["Z987654321", "Z987654321@eg.com.tw", "0912345678", "03-1234567#123"];

describe("reading the rows of a batch file", () => {
	it("skips the header row Excel saves from the seed's example and keeps the data row", () => {
		const quotedHeader = '身分證號,電子郵件,行動電話,"連絡電話(區碼以-隔開,分機以#隔開)",<第一列請勿上傳';
		expect(parseBatchCsv(`${quotedHeader}\r\n${ROW},\r\n`)).toEqual({
			headerSkipped: true,
			columnsProblem: null,
			tooManyRows: false,
			rows: [{ rowNo: 1, lineNo: 2, cells: CELLS }],
		});
	});

	it("reads a file without a header from row 1", () => {
		const r = parseBatchCsv(`${ROW}\r\nA123456789,a@b.tw,0911111111,\r\n`);
		expect(r.headerSkipped).toBe(false);
		expect(r.rows.map((row) => [row.rowNo, row.lineNo, row.cells[0]])).toEqual([
			[1, 1, "Z987654321"],
			[2, 2, "A123456789"],
		]);
	});

	it("reports a header-only file as having no rows", () => {
		expect(parseBatchCsv(`${HEADER}\r\n,,,,\r\n`)).toEqual({ headerSkipped: true, columnsProblem: null, tooManyRows: false, rows: [] });
		expect(parseBatchCsv("身分證號,電子郵件,行動電話,聯絡電話")).toEqual({ headerSkipped: true, columnsProblem: null, tooManyRows: false, rows: [] });
	});

	it("reads LF, CRLF and lone-CR line ends alike", () => {
		for (const nl of ["\n", "\r\n", "\r"]) {
			const r = parseBatchCsv(`${ROW}${nl}${ROW}${nl}`);
			expect(r.rows.map((row) => [row.lineNo, row.cells]), JSON.stringify(nl)).toEqual([
				[1, CELLS],
				[2, CELLS],
			]);
		}
	});

	it("copes with line ends mixed in one file", () => {
		const r = parseBatchCsv(`${ROW}\r\n${ROW}\n${ROW}\r${ROW}`);
		expect(r.rows.map((row) => [row.lineNo, row.cells[3]])).toEqual([
			[1, CELLS[3]],
			[2, CELLS[3]],
			[3, CELLS[3]],
			[4, CELLS[3]],
		]);
	});

	it("drops Excel's ,,,, lines anywhere and numbers the remaining rows without gaps", () => {
		const r = parseBatchCsv(`${HEADER}\r\n,,,,\r\n${ROW},,\r\n , ,\t,,\r\n\r\nA123456789,a@b.tw,0911111111,\r\n,,,,\r\n,,,,\r\n`);
		expect(r.rows.map((row) => [row.rowNo, row.lineNo, row.cells[0]])).toEqual([
			[1, 3, "Z987654321"],
			[2, 6, "A123456789"],
		]);
	});

	it("detects the header after leading blank lines", () => {
		const r = parseBatchCsv(`,,,,\r\n\r\n${HEADER}\r\n${ROW}\r\n`);
		expect(r.headerSkipped).toBe(true);
		expect(r.rows).toEqual([{ rowNo: 1, lineNo: 4, cells: CELLS }]);
	});

	it("keeps the four defined columns and marks a row with filled cells beyond column D, never dropping them silently", () => {
		const r = parseBatchCsv(`${ROW},王小明,more,text\r\n${ROW},,,\r\n${ROW}, \r\n`);
		expect(r.rows.map((row) => [row.cells, row.extraCells])).toEqual([
			[CELLS, true],
			[CELLS, undefined],
			[CELLS, undefined],
		]);
	});

	it("keeps a short row short so missing columns can be told apart", () => {
		expect(parseBatchCsv("A123456789,a@b.tw,0911111111\r\n").rows[0]?.cells).toEqual(["A123456789", "a@b.tw", "0911111111"]);
	});

	it("leaves cells raw for the row check to normalise", () => {
		expect(parseBatchCsv(" a123456789 ,ＡＢ@x.tw,912345678,\r\n").rows[0]?.cells).toEqual([" a123456789 ", "ＡＢ@x.tw", "912345678", ""]);
	});

	it("reads quoted fields with commas, doubled quotes and line breaks", () => {
		const text = `A123456789,"a@b.tw","0912345678","02-1234, ""x"""\r\n"B123456789","line1\r\nline2\nline3",0922222222,\r\n${ROW}\r\n`;
		const r = parseBatchCsv(text);
		expect(r.rows).toEqual([
			{ rowNo: 1, lineNo: 1, cells: ["A123456789", "a@b.tw", "0912345678", '02-1234, "x"'] },
			{ rowNo: 2, lineNo: 2, cells: ["B123456789", "line1\nline2\nline3", "0922222222", ""] },
			{ rowNo: 3, lineNo: 5, cells: CELLS },
		]);
	});

	it("does not mistake a quoted ID in row 1 for a header", () => {
		expect(parseBatchCsv(`"A123456789",a@b.tw,0911111111,\r\n`).headerSkipped).toBe(false);
	});

	it("reads an empty text as no rows", () => {
		expect(parseBatchCsv("")).toEqual({ headerSkipped: false, columnsProblem: null, tooManyRows: false, rows: [] });
	});
});

describe("header detection", () => {
	it("recognises the usual headings of the ID column", () => {
		for (const first of ["身分證號", "身份證號", "身分證字號", "身分證號/居留證號", "居留證號", "ID", "id", "ＩＤ", "ID No.", "身分證號(ID)", "證號", " 身分證號 ", "\uFEFF身分證號"]) {
			expect(isHeaderRow([first, "電子郵件"]), first).toBe(true);
		}
	});

	it("recognises a header by its e-mail heading when the first is unusual", () => {
		expect(isHeaderRow(["統一編號", "電子郵件", "行動電話", "聯絡電話"])).toBe(true);
		expect(isHeaderRow(["No.", "E-mail"])).toBe(true);
	});

	it("never takes an ID number or a data row for a header", () => {
		expect(isHeaderRow(["A123456789", "a@b.tw"])).toBe(false);
		expect(isHeaderRow(["AB00207171", "id@b.tw"])).toBe(false);
		expect(isHeaderRow(["a123456789", "mail@b.tw"])).toBe(false);
		expect(isHeaderRow(["", "mail@b.tw"])).toBe(false);
		expect(isHeaderRow(["david@b.tw", "A123456789"])).toBe(false);
		expect(isHeaderRow(["ID@b.tw", "電子郵件"])).toBe(false);
		expect(isHeaderRow(["Idris", "mail@b.tw"])).toBe(false);
	});
});

describe("file limits", () => {
	it("states 10 MB and 100,000 rows", () => {
		expect(MAX_FILE_BYTES).toBe(10_485_760);
		expect(MAX_ROWS).toBe(100_000);
	});

	function bigFile(rows: number): string {
		const lines = [HEADER];
		for (let i = 0; i < rows; i++) {
			const id = `A1${String(i).padStart(8, "0")}`;
			lines.push(`${id},user${i}@example.com.tw,09${String(i).padStart(8, "0")},02-23456789#123`);
		}
		return `${lines.join("\r\n")}\r\n`;
	}

	it("parses 100,000 rows quickly, plain or with every cell quoted", () => {
		const plain = bigFile(MAX_ROWS);
		const quoted = plain.replace(/[^,\r\n]+/g, (cell) => `"${cell}"`);
		for (const [name, text] of [["plain", plain], ["quoted", quoted], ["plain again", plain]] as const) {
			const started = performance.now();
			const r = parseBatchCsv(text);
			const ms = performance.now() - started;
			console.log(`parseBatchCsv ${name}: ${MAX_ROWS} rows, ${(text.length / 1e6).toFixed(1)} M chars in ${ms.toFixed(0)} ms`);
			expect(r.rows).toHaveLength(MAX_ROWS);
			expect(r.tooManyRows).toBe(false);
			expect(r.rows.at(-1)).toMatchObject({ rowNo: MAX_ROWS, lineNo: MAX_ROWS + 1, cells: ["A100099999", "user99999@example.com.tw", "0900099999", "02-23456789#123"] });
		}
	});

	it("stops reading past 100,000 rows and says the file is too long", () => {
		const r = parseBatchCsv(bigFile(MAX_ROWS + 50));
		expect(r.tooManyRows).toBe(true);
		expect(r.rows).toHaveLength(MAX_ROWS + 1);
	});
});

describe("reading in chunks", () => {
	it("keeps a quoted multi-line cell whole across a chunk boundary", () => {
		const filler = `${ROW}\n`;
		const before = filler.repeat(Math.floor(PARSE_CHUNK_CHARS / filler.length));
		const straddling = `B123456789,"${"x".repeat(filler.length)}\n${"y".repeat(filler.length)}",0922222222,\n`;
		const r = parseBatchCsv(`${before}${straddling}${ROW}\n`);
		const n = before.length / filler.length;
		expect(r.rows).toHaveLength(n + 2);
		expect(r.rows[n]).toMatchObject({ rowNo: n + 1, lineNo: n + 1, cells: ["B123456789", expect.stringContaining("\n"), "0922222222", ""] });
		expect(r.rows[n + 1]).toEqual({ rowNo: n + 2, lineNo: n + 3, cells: CELLS });
	});

	it("keeps an unquoted row whole across a chunk boundary", () => {
		const filler = "A123456789,a@b.tw,0911111111,02-12345678\n";
		const r = parseBatchCsv(filler.repeat(Math.ceil((PARSE_CHUNK_CHARS * 3) / filler.length)));
		expect(r.rows.every((row) => row.cells.join(",") === filler.trimEnd())).toBe(true);
	});
});

describe("the whole-file faults the upload form answers at once", () => {
	it("finds no data rows under a header, and nothing at all in a file of ,,,, lines", () => {
		expect(checkFileShape(`${HEADER}\r\n,,,,\r\n,,,,\r\n`)).toEqual({ ok: false, code: "FILE_NO_ROWS" });
		expect(checkFileShape(",,,,\r\n , ,\r\n")).toEqual({ ok: false, code: "FILE_EMPTY" });
		expect(checkFileShape(`${HEADER}\r\n${ROW}\r\n`)).toEqual({ ok: true });
		expect(checkFileShape(`${ROW}\r\n`)).toEqual({ ok: true });
	});

	it("refuses a header in another order as FILE_COLUMNS with which column is where", () => {
		expect(checkFileShape(`行動電話,身分證號,電子郵件,聯絡電話\r\n${ROW}\r\n`)).toMatchObject({ ok: false, code: "FILE_COLUMNS", detail: expect.stringContaining("「身分證號」在B欄(應在A欄)") });
	});

	it("counts data rows exactly near the limit: Excel's trailing ,,,, lines do not count", () => {
		const rows = (n: number) => `${ROW}\r\n`.repeat(n);
		expect(checkFileShape(`${HEADER}\r\n${rows(MAX_ROWS)}${",,,,\r\n".repeat(10)}`)).toEqual({ ok: true });
		expect(checkFileShape(`${rows(MAX_ROWS)}`)).toEqual({ ok: true });
		expect(checkFileShape(`${HEADER}\r\n${rows(MAX_ROWS + 1)}`)).toEqual({ ok: false, code: "FILE_TOO_MANY_ROWS" });
		expect(checkFileShape(`${rows(MAX_ROWS + 1)}`)).toEqual({ ok: false, code: "FILE_TOO_MANY_ROWS" });
		expect(checkFileShape(`${rows(MAX_ROWS)}\r${ROW}`)).toEqual({ ok: false, code: "FILE_TOO_MANY_ROWS" });
		const quoted = (n: number) => `"${ROW.replaceAll(",", '","')}"\r\n`.repeat(n);
		expect(checkFileShape(`${HEADER}\r\n${quoted(MAX_ROWS)}${",,,,\r\n".repeat(10)}`)).toEqual({ ok: true });
		expect(checkFileShape(`${HEADER}\r\n${quoted(MAX_ROWS + 1)}`)).toEqual({ ok: false, code: "FILE_TOO_MANY_ROWS" });
		expect(checkFileShape(`${HEADER}\r\n${rows(MAX_ROWS)}\u3000,\u00a0,,\r\n`)).toEqual({ ok: true });
	});

	it("looks past the first 64 kB of ,,,, lines for the first data row", () => {
		const blank = ",,,,\r\n".repeat(20_000);
		expect(checkFileShape(`${HEADER}\r\n${blank}`)).toEqual({ ok: false, code: "FILE_NO_ROWS" });
		expect(checkFileShape(`${HEADER}\r\n${blank}${ROW}\r\n`)).toEqual({ ok: true });
		expect(checkFileShape(blank)).toEqual({ ok: false, code: "FILE_EMPTY" });
	});
});
