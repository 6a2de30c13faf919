import { describe, expect, it } from "vitest";
import { CHUNK_BYTES, parseStep, type Chunk } from "../../durable/batch-upload.steps.ts";
import { freshIdNo } from "../fixtures/index.ts";

/** D1's cap on one bound value, and Durable Object SQLite's on one row. */
const D1_MAX_VALUE_BYTES = 2_000_000;

function utf8Bytes(value: unknown): number {
	return new TextEncoder().encode(JSON.stringify(value)).byteLength;
}

/** What the object stores of a chunk in one row and binds as two D1 values. */
function storedBytes(chunk: Chunk): number {
	return utf8Bytes(chunk.results) + utf8Bytes(chunk.contacts);
}

describe("parse cuts the rows into chunks by size", () => {
	it("keeps every chunk of a typical file under the cap, in few chunks, with every row once and in order", () => {
		const ids = new Set<string>();
		while (ids.size < 30_000) ids.add(freshIdNo());
		const lines = [...ids].map((id, i) => `${id},person${i}@example.com.tw,0912345678,02-23456789#123`);
		const parsed = parseStep(lines.join("\r\n"));
		if (!parsed.ok) throw new Error(parsed.code);
		expect(parsed.total).toBe(30_000);
		expect(parsed.chunks.length).toBeLessThanOrEqual(3);
		expect(parsed.chunks.flatMap((c) => c.results).map((r) => r[0])).toEqual(lines.map((_, i) => i + 1));
		expect(parsed.chunks.flatMap((c) => c.contacts).map((r) => r[0])).toEqual(lines.map((_, i) => i + 1));
		for (const chunk of parsed.chunks) expect(storedBytes(chunk)).toBeLessThan(CHUNK_BYTES);
	});

	it("stays under D1's 2 MB value cap with the longest e-mail addresses and with garbage in the ID column", () => {
		const longMail = `${"a".repeat(64)}@${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(57)}.tw`;
		const lines = Array.from({ length: 12_000 }, (_, i) =>
			i % 2 === 0 ? `${freshIdNo()},${longMail},0912345678,` : `${"假".repeat(5_000)}${i},x@example.com,0912345678,`,
		);
		const parsed = parseStep(lines.join("\n"));
		if (!parsed.ok) throw new Error(parsed.code);
		expect(parsed.total).toBe(12_000);
		for (const chunk of parsed.chunks) expect(storedBytes(chunk)).toBeLessThan(D1_MAX_VALUE_BYTES);
	});
});

describe("parse checks the whole-file rules again on the whole file", () => {
	it("fails a header in another order as FILE_COLUMNS with which column is where", () => {
		expect(parseStep(`電子郵件,身分證號,行動電話,聯絡電話\r\na@example.com.tw,${freshIdNo()},0912345678,\r\n`)).toEqual({
			ok: false,
			code: "FILE_COLUMNS",
			detail: "標題列中「電子郵件」在A欄(應在B欄)、「身分證號」在B欄(應在A欄)。",
		});
	});

	it("notes a row's cells beyond column D and its repaired full-width characters in the row's result", () => {
		const id = freshIdNo();
		const parsed = parseStep(`${id},a@example.com.tw,０９１２３４５６７８,,王小明\r\n`);
		if (!parsed.ok) throw new Error(parsed.code);
		expect(parsed.chunks[0]?.results[0]?.[5]).toBe('["FULL_WIDTH_REPAIRED","EXTRA_CELLS"]');
	});
});
