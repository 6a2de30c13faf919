// Splits a decoded batch file into data rows (SPEC §2 "Columns"): 身分證號, 電子郵件, 行動電話, 聯絡電話.
// Excel leaves ",,,," lines and a column-E note ("<第一列請勿上傳") behind; the seed's own example keeps
// its header row although it says not to upload it. Cells come back raw: normalising is row-check's job.

import Papa from "papaparse";

export const MAX_ROWS = 100_000;
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** Characters papaparse reads per chunk (at most this many records are in memory at once). */
export const PARSE_CHUNK_CHARS = 256 * 1024;

/** The four columns the file format defines; anything to the right is ignored. */
const COLUMNS = 4;

export type CsvRow = {
	/** 1-based data row after the header and dropped empty rows: the log's "第n筆資料". */
	rowNo: number;
	/** 1-based physical line of the file where the row starts. */
	lineNo: number;
	/** At most 4 raw cells; a short row keeps its length. */
	cells: string[];
};

export type BatchCsv = {
	headerSkipped: boolean;
	rows: CsvRow[];
	/** Parsing stopped after MAX_ROWS + 1 data rows: the file is over the limit (FILE_TOO_MANY_ROWS). */
	tooManyRows: boolean;
};

const ID_NUMBER = /^[A-Za-z][0-9A-Da-d]\d{8}$/;
const ID_HEADING = /身[分份]證|居留證|證號|\bid\b/i;
const EMAIL_HEADING = /郵件|信箱|e-?mail/i;

function norm(s: string): string {
	return s.normalize("NFKC").trim();
}

/** Row 1 of the seed's example: "身分證號,電子郵件,行動電話,連絡電話(…),<第一列請勿上傳". */
export function isHeaderRow(cells: readonly string[]): boolean {
	const first = norm(cells[0] ?? "");
	// A heading never holds an ID number or an address (columns pasted in the wrong order).
	if (ID_NUMBER.test(first) || first.includes("@")) return false;
	if (ID_HEADING.test(first)) return true;
	const second = norm(cells[1] ?? "");
	return EMAIL_HEADING.test(second) && !second.includes("@");
}

function isEmptyRow(cells: readonly string[]): boolean {
	for (const cell of cells) if (cell.trim() !== "") return false;
	return true;
}

/** Line feeds inside one quoted cell (line breaks are all LF by then). */
function lineBreaks(cell: string): number {
	let n = 0;
	for (let i = cell.indexOf("\n"); i >= 0; i = cell.indexOf("\n", i + 1)) n++;
	return n;
}

export function parseBatchCsv(input: string): BatchCsv {
	// CRLF (Excel on Windows), LF and a lone CR (old Mac Excel) may even be mixed in one file; one form
	// keeps papaparse from guessing and makes physical line numbers a count of LFs.
	const text = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
	// Without a quote character no cell can hold a line break, so the per-cell scan is skipped.
	const quoted = text.includes('"');
	const rows: CsvRow[] = [];
	let headerSkipped = false;
	let seenContent = false;
	let lineNo = 1;

	/** Takes one parsed record; false once the file is over MAX_ROWS. */
	function take(cells: string[]): boolean {
		const startLine = lineNo;
		lineNo++;
		if (quoted) for (const cell of cells) lineNo += lineBreaks(cell);
		if (isEmptyRow(cells)) return true;
		if (!seenContent) {
			seenContent = true;
			if (isHeaderRow(cells)) {
				headerSkipped = true;
				return true;
			}
		}
		const kept = cells.length > COLUMNS ? cells.slice(0, COLUMNS) : cells;
		rows.push({ rowNo: rows.length + 1, lineNo: startLine, cells: kept });
		return rows.length <= MAX_ROWS;
	}

	let tooManyRows = false;
	Papa.parse<string[]>(text, {
		delimiter: ",",
		newline: "\n",
		skipEmptyLines: false,
		// Chunks parse about twice as fast as a per-row step and, unlike one bulk parse, bound the
		// memory a file of millions of empty lines could take.
		chunkSize: PARSE_CHUNK_CHARS,
		chunk: (result: Papa.ParseResult<string[]>, parser: Papa.Parser) => {
			for (const cells of result.data) {
				if (!take(cells)) {
					tooManyRows = true;
					parser.abort();
					return;
				}
			}
		},
		// @types/papaparse only admits `chunk` for files, next to a `complete`; papaparse itself reads a
		// string in chunks synchronously, so this parse is over when the call returns.
		complete: () => undefined,
	});
	return { headerSkipped, rows, tooManyRows };
}
