import { describe, expect, it } from "vitest";
import {
	BOM,
	batchLogFileName,
	batchLogLines,
	csvCell,
	renderBatchLog,
	renderResultCsv,
	type ResultRow,
	resultCsvFileName,
} from "../../../workers/domain/result-files.ts";

/** Epoch ms of a wall-clock time in Taipei (UTC+8). */
function taipei(y: number, mo: number, d: number, h: number, mi: number, s: number): number {
	return Date.UTC(y, mo - 1, d, h - 8, mi, s);
}

const AT = taipei(2016, 7, 13, 11, 56, 45);

function failed(rowNo: number, maskedId: string, code = "NOT_INSURED"): ResultRow {
	return { rowNo, lineNo: rowNo + 1, maskedId, outcome: "failed", code, notes: [], doneAt: AT };
}

describe("the batch log", () => {
	it("reproduces the seed's log byte for byte", () => {
		const log = renderBatchLog({
			startedAt: AT,
			finishedAt: AT,
			headerSkipped: false,
			rows: [failed(1, "A23084****"), failed(2, "A23057****"), failed(3, "C22028****"), failed(4, "P12123****")],
			total: 4,
			success: 0,
			failed: 4,
		});
		expect(log).toBe(
			[
				"2016/7/13 上午 11:56:45 開始執行...",
				"2016/7/13 上午 11:56:45 第1筆資料:A23084****(非該單位在保險對象)不入檔!",
				"2016/7/13 上午 11:56:45 第2筆資料:A23057****(非該單位在保險對象)不入檔!",
				"2016/7/13 上午 11:56:45 第3筆資料:C22028****(非該單位在保險對象)不入檔!",
				"2016/7/13 上午 11:56:45 第4筆資料:P12123****(非該單位在保險對象)不入檔!",
				"2016/7/13 上午 11:56:45 結束執行...",
				"2016/7/13 上午 11:56:45 ----總共上傳4筆,成功註冊0筆,失敗4筆----",
			]
				.map((line) => `${line}\r\n`)
				.join(""),
		);
		expect(log.startsWith(BOM)).toBe(false);
	});

	it("says the header row was skipped right after 開始執行", () => {
		const lines = [...batchLogLines({ startedAt: AT, finishedAt: AT + 2000, headerSkipped: true, rows: [], total: 0, success: 0, failed: 0 })];
		expect(lines).toEqual([
			"2016/7/13 上午 11:56:45 開始執行...\r\n",
			"2016/7/13 上午 11:56:45 第1列為標題列,已略過不入檔.\r\n",
			"2016/7/13 上午 11:56:47 結束執行...\r\n",
			"2016/7/13 上午 11:56:47 ----總共上傳0筆,成功註冊0筆,失敗0筆----\r\n",
		]);
	});

	it("writes successful rows, resends and repair notes", () => {
		const rows: ResultRow[] = [
			{ rowNo: 1, lineNo: 2, maskedId: "A12345****", outcome: "registered", code: "REGISTERED", notes: [], doneAt: AT },
			{ rowNo: 2, lineNo: 3, maskedId: "B12345****", outcome: "resent", code: "RESENT", notes: [], doneAt: AT },
			{ rowNo: 3, lineNo: 4, maskedId: "C12345****", outcome: "registered", code: "REGISTERED", notes: ["MOBILE_REPAIRED"], doneAt: taipei(2016, 7, 13, 12, 0, 1) },
			failed(4, "D12345****", "DUPLICATE_IN_FILE"),
		];
		const lines = [...batchLogLines({ startedAt: AT, finishedAt: AT, headerSkipped: false, rows, total: 4, success: 3, failed: 1 })];
		expect(lines.slice(1, 5)).toEqual([
			"2016/7/13 上午 11:56:45 第1筆資料:A12345****,註冊成功,已寄送認證信\r\n",
			"2016/7/13 上午 11:56:45 第2筆資料:B12345****,已有待認證之申請,已更新聯絡資料並重新寄送認證信\r\n",
			"2016/7/13 下午 12:00:01 第3筆資料:C12345****,註冊成功,已寄送認證信(行動電話補回開頭0)\r\n",
			"2016/7/13 上午 11:56:45 第4筆資料:D12345****(檔案內重複)不入檔!\r\n",
		]);
		expect(lines[6]).toBe("2016/7/13 上午 11:56:45 ----總共上傳4筆,成功註冊3筆,失敗1筆----\r\n");
	});

	it("shows an unknown code rather than dropping it", () => {
		const log = renderBatchLog({ startedAt: AT, finishedAt: AT, headerSkipped: false, rows: [failed(1, "A23084****", "SOMETHING_NEW")], total: 1, success: 0, failed: 1 });
		expect(log).toContain("第1筆資料:A23084****(SOMETHING_NEW)\r\n");
	});

	it("streams rows from any iterable, once", () => {
		function* rows(): Generator<ResultRow> {
			yield failed(1, "A23084****");
			yield failed(2, "A23057****");
		}
		const log = renderBatchLog({ startedAt: AT, finishedAt: AT, headerSkipped: false, rows: rows(), total: 2, success: 0, failed: 2 });
		expect(log.split("\r\n")).toHaveLength(6);
	});
});

describe("result file names", () => {
	it("names the log after the upload and the finish time, as the seed does", () => {
		expect(batchLogFileName("1333974211050713.csv", taipei(2016, 7, 13, 10, 45, 33))).toBe("1333974211050713.1050713104533.log");
		expect(batchLogFileName("1333974211050713.CSV", taipei(2016, 7, 13, 22, 5, 3))).toBe("1333974211050713.1050713220503.log");
	});

	it("names the result CSV after the upload", () => {
		expect(resultCsvFileName("1333974211050713.csv")).toBe("1333974211050713.result.csv");
		expect(resultCsvFileName("C:\\fakepath\\1333974211050713.CSV")).toBe("1333974211050713.result.csv");
	});
});

describe("the result CSV", () => {
	it("lists every row with its line, outcome, code, message and fix", () => {
		const csv = renderResultCsv([
			failed(1, "A23084****"),
			{ rowNo: 2, lineNo: 3, maskedId: "C12345****", outcome: "registered", code: "REGISTERED", notes: ["MOBILE_REPAIRED"], doneAt: AT },
		]);
		expect(csv.split("\r\n")).toEqual([
			"列號,資料序號,身分證號(遮罩),結果,代碼,說明,處理方式",
			"2,1,A23084****,失敗,NOT_INSURED,(非該單位在保險對象)不入檔!,本系統僅受理本單位目前在保之保險對象；請確認其投保狀態。",
			'3,2,C12345****,成功,REGISTERED,"註冊成功,已寄送認證信(行動電話補回開頭0)",',
			"",
		]);
	});

	it("quotes fields with commas, quotes and line breaks (RFC 4180)", () => {
		expect(csvCell("plain")).toBe("plain");
		expect(csvCell("a,b")).toBe('"a,b"');
		expect(csvCell('say "hi"')).toBe('"say ""hi"""');
		expect(csvCell("two\nlines")).toBe('"two\nlines"');
		expect(csvCell("")).toBe("");
	});

	it("turns formula cells inert so Excel shows them as text", () => {
		expect(csvCell('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
		expect(csvCell("+1+1")).toBe("'+1+1");
		expect(csvCell("-2+3")).toBe("'-2+3");
		expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
		expect(csvCell("\t=1")).toBe("'\t=1");
		expect(csvCell("\r=1")).toBe("\"'\r=1\"");
		expect(csvCell("A=1")).toBe("A=1");
	});

	it("defuses a formula hidden in a masked ID", () => {
		const csv = renderResultCsv([failed(1, "=cmd|****", "ID_INVALID")]);
		expect(csv.split("\r\n")[1]).toMatch(/^2,1,'=cmd\|\*\*\*\*,失敗,ID_INVALID,/);
	});

	it("has only the header for no rows", () => {
		expect(renderResultCsv([])).toBe("列號,資料序號,身分證號(遮罩),結果,代碼,說明,處理方式\r\n");
	});
});
