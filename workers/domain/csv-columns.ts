// The column layout of a batch file (SPEC §2 "Columns in order: 身分證號, 電子郵件, 行動電話, 聯絡電話").
// A first row that is a header is recognised by its cells — the seed's own spellings (聯絡電話 on the
// upload page, 連絡電話 in the 製作說明, each with its "(區碼以-隔開,分機以#隔開)" note), common variants and
// English aliases — and its headings must stand in columns A–D in that order: a header in another
// order (or with an extra column such as 姓名 before D) means every data row is shifted, so the file is
// refused as FILE_COLUMNS with where each column is, instead of failing every row.

export const COLUMNS = ["idNo", "email", "mobile", "phone"] as const;
export type Column = (typeof COLUMNS)[number];

export const COLUMN_LABELS: Record<Column, string> = { idNo: "身分證號", email: "電子郵件", mobile: "行動電話", phone: "聯絡電話" };

/** Headings as they are compared: NFKC, lower case, without notes in brackets, spaces and punctuation. */
const ALIASES: Record<Column, readonly string[]> = {
	idNo: ["身分證號", "身份證號", "身分證字號", "身份證字號", "身分證號碼", "身份證號碼", "身分證統一編號", "居留證號", "居留證號碼", "統一證號", "統一編號", "證號", "id", "idno", "idnumber", "nationalid", "identitynumber"],
	email: ["電子郵件", "電子郵件信箱", "電子信箱", "郵件", "信箱", "email", "mail", "emailaddress"],
	mobile: ["行動電話", "行動電話號碼", "手機", "手機號碼", "行動", "mobile", "mobilephone", "mobileno", "cellphone", "cell"],
	phone: ["聯絡電話", "連絡電話", "聯絡電話號碼", "連絡電話號碼", "電話", "市話", "phone", "tel", "telephone", "contactphone", "phoneno"],
};

const BY_ALIAS = new Map<string, Column>(COLUMNS.flatMap((c) => ALIASES[c].map((a): [string, Column] => [a, c])));

// Notes in brackets ("(區碼以-隔開,分機以#隔開)", "(ID)"); unquoted in a CSV, the seed's note is cut at its
// comma, so a bracket may stay open to the cell's end. Then spaces and punctuation.
const BRACKETED = /[(（[【].*?(?:[)）\]】]|$)/g;
const NOISE = /[\s\p{P}\p{S}]/gu;
// What only data holds: an ID number, an address, a run of digits (a phone number).
const DATA_LIKE = /^[a-z][0-9a-d]\d{8}$|@|\d{6,}/i;
// The seed's column-E reminder "<第一列請勿上傳" / "<-第一列請明確勿上傳" is not a heading.
const SEED_NOTE = /^<-?第一列/;

function canonical(cell: string): string {
	return cell.normalize("NFKC").replace(/\uFEFF/g, "").trim();
}

/** The column a heading names, or null. "身分證號/居留證號" names the ID column by either part. */
export function headingOf(cell: string): Column | null {
	const text = canonical(cell).replace(BRACKETED, "");
	for (const part of text.split(/[/／、]/)) {
		const key = part.toLowerCase().replace(NOISE, "");
		const column = BY_ALIAS.get(key);
		if (column) return column;
	}
	return null;
}

export function columnLetter(index: number): string {
	let n = index + 1;
	let out = "";
	while (n > 0) {
		const r = (n - 1) % 26;
		out = String.fromCharCode(65 + r) + out;
		n = Math.floor((n - 1) / 26);
	}
	return out;
}

export type FirstRow =
	| { kind: "data" }
	/** `problem` (zh-TW) says which column is where when the headings are not in A–D order. */
	| { kind: "header"; problem: string | null };

/** Whether the first non-empty row of a file is a header, and if so whether its columns are in order. */
export function readFirstRow(cells: readonly string[]): FirstRow {
	const texts = cells.map(canonical);
	// An example in a heading's note ("行動電話(例:0912345678)") is not data.
	if (texts.some((t) => DATA_LIKE.test(t.replace(BRACKETED, "")))) return { kind: "data" };
	const headings = texts.map(headingOf);
	if (!headings.some((h) => h !== null)) return { kind: "data" };
	return { kind: "header", problem: layoutProblem(texts, headings) };
}

function layoutProblem(texts: readonly string[], headings: readonly (Column | null)[]): string | null {
	const misplaced: string[] = [];
	const seen = new Set<Column>();
	headings.forEach((column, i) => {
		if (column === null) return;
		const expected = COLUMNS.indexOf(column);
		if (seen.has(column)) misplaced.push(`「${COLUMN_LABELS[column]}」在${columnLetter(i)}欄重複`);
		else if (i !== expected) misplaced.push(`「${COLUMN_LABELS[column]}」在${columnLetter(i)}欄(應在${columnLetter(expected)}欄)`);
		seen.add(column);
	});
	// A heading in A–D that is none of the four (e.g. 姓名) pushes the data out of place.
	const foreign = texts
		.slice(0, COLUMNS.length)
		.flatMap((t, i) => (t !== "" && headings[i] === null && !SEED_NOTE.test(t) ? [`${columnLetter(i)}欄「${t.slice(0, 20)}」不是檔案欄位`] : []));
	const problems = [...misplaced, ...foreign];
	return problems.length > 0 ? `標題列中${problems.join("、")}。` : null;
}
