// The clerk's pages in a real browser (SPEC §2, §4, §5, §9): 健保卡註冊申請整批資料上傳 → the progress page
// → 入檔記錄, the rejections, 健保卡註冊申請上傳紀錄查詢 as clerk / other clerk / manager, and the dev
// mailbox. Each test signs in its own demo staff and registers its own demo people, so the tests do not
// depend on one another. Every test also fails on a console error or CSP violation (helpers.ts).
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { batchFileName, excelBig5Csv, insuredMembers, outsiderOf, type BatchRow } from "./fixtures.ts";
import { browserTest, downloadBytes, signInAs, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();

const UPLOAD_TITLE = "健保卡註冊申請整批資料上傳";
const RECORDS_TITLE = "健保卡註冊申請上傳紀錄查詢";
const BATCH_URL = /\/batches\/([A-Za-z0-9_-]{10,40})$/;
/** A batch of a few rows ends in seconds; the alarm-driven steps get this long on a slow CI machine. */
const IMPORT_TIMEOUT_MS = 60_000;
/** The seed's log time stamp: 2016/7/13 上午 11:56:45. */
const LOG_TIME = /^\d{4}\/\d{1,2}\/\d{1,2} (上午|下午) \d{1,2}:\d{2}:\d{2} /;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function rowsFor(insured: readonly string[], outsider: string): BatchRow[] {
	return [
		...insured.map((idNo, i) => ({ idNo, email: `member${i + 1}.${idNo.slice(-4)}@example.com.tw`, mobile: `09${String(12_345_670 + i)}` })),
		{ idNo: outsider, email: "outsider@example.com.tw", mobile: "0987654321" },
	];
}

async function openFromMenu(page: Page, title: string): Promise<void> {
	await page.locator("nav.side-menu").getByRole("link", { name: title }).click();
	await page.locator("main h1").getByText(title, { exact: true }).waitFor();
}

async function chooseFile(page: Page, name: string, bytes: Buffer): Promise<void> {
	await page.locator("#file").setInputFiles({ name, mimeType: "text/csv", buffer: bytes });
}

/** Uploads through the form and waits on the progress page until the batch has ended; its id. */
async function uploadAndFinish(page: Page, fileName: string, bytes: Buffer): Promise<string> {
	await chooseFile(page, fileName, bytes);
	assert.equal(await textOf(page, "#file-check"), "", "the client-side check accepts the file");
	await page.getByRole("button", { name: "上傳" }).click();
	await page.waitForURL(BATCH_URL);
	const id = BATCH_URL.exec(new URL(page.url()).pathname)?.[1];
	assert.ok(id, "the upload answers with the batch's page");
	await page.locator('#batch-progress[data-status="done"], #batch-progress[data-status="failed"]').waitFor({ timeout: IMPORT_TIMEOUT_MS });
	return id;
}

/** The log as the page shows it, one string per line. */
async function logLines(page: Page): Promise<string[]> {
	const text = (await page.locator("pre.log").textContent()) ?? "";
	return text.split(/\r?\n/).filter((line) => line !== "");
}

describe("健保卡註冊申請整批資料上傳 in a browser", () => {
	browserTest("a clerk uploads a Big5 file saved by Excel, follows it to 入檔完畢 and reads its 入檔記錄", browser, async (h) => {
		const page = await h.newPage();
		const clerk = await signInAs(page, "clerk", "110001000", 1);
		await page.goto("/");
		await openFromMenu(page, UPLOAD_TITLE);

		// The seed's form: unit fixed (one unit), contact pre-filled from the signed-in clerk.
		const form = page.locator("#upload-form");
		for (const label of ["◎投保單位代號", "◎聯絡人", "◎聯絡人E-Mail", "檔案名稱"]) {
			assert.equal(await form.locator("th").getByText(label, { exact: true }).count(), 1, `form field ${label}`);
		}
		assert.equal(await textOf(page, "#unitCode"), `${clerk.unitCode} ${clerk.unitName}`);
		assert.equal(await page.locator("#contactName").inputValue(), clerk.name);
		assert.equal(await page.locator("#contactEmail").inputValue(), clerk.email);
		assert.match(await textOf(page, "#upload-form"), /\(只限上傳\.csv檔\)/);
		assert.match(await textOf(page, "#upload-form"), /10 MB.*100,000 筆/, "both limits are stated before upload");
		const notes = await textOf(page, "section.notes");
		assert.match(notes, /\(一\)以microsoft excel 軟體編輯檔案內容/);
		assert.match(notes, /\(二\)檔案儲存步驟/);
		assert.match(notes, /CSV\(逗號分隔\*\.CSV\)/);
		assert.match(notes, /投保單位代號\+年月日\.CSV/);

		// The template: UTF-8 with BOM (Excel opens it right), the four columns, an example row.
		const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /下載範例檔/ }).click()]);
		assert.match(download.suggestedFilename(), /\.csv$/i);
		const template = await downloadBytes(download);
		assert.deepEqual(template.subarray(0, 3), UTF8_BOM, "the template starts with a UTF-8 BOM");
		const templateLines = template.subarray(3).toString("utf8").split("\r\n");
		assert.equal(templateLines[0], "身分證號,電子郵件,行動電話,聯絡電話");
		assert.match(templateLines[1] ?? "", /^[A-Z]\d{9},[^,@]+@[^,]+,09\d{8},/);

		// Three insured members (one mobile without its leading zero, as Excel shows 0912… as 912…) and
		// one person insured elsewhere, after the Big5 header row Excel writes.
		const insured = insuredMembers(clerk.unitCode, 3, 0);
		const outsider = outsiderOf(clerk.unitCode);
		const rows = rowsFor(insured, outsider).map((r, i) => (i === 1 ? { ...r, mobile: r.mobile.slice(1) } : i === 0 ? { ...r, phone: "02-12345678#1234" } : r));
		const fileName = batchFileName(clerk.unitCode);
		const batchId = await uploadAndFinish(page, fileName, excelBig5Csv(rows));

		assert.equal(await textOf(page, "#status-label"), "入檔完畢");
		assert.equal(await textOf(page, "#status-cell"), "入檔完畢 4 / 4 筆", "a space between the status and the count");
		assert.equal(await textOf(page, "#status-result"), "總共上傳4筆,成功註冊3筆,失敗1筆");
		assert.equal(await textOf(page, "#batch-progress td"), fileName);
		// The registrants' mails go out after 入檔完畢: the page says how many so far, until all have.
		await page.locator("#mail-progress").getByText("認證信已全部寄出：3 封").waitFor({ timeout: IMPORT_TIMEOUT_MS });
		assert.equal(await page.locator("#mail-progress").getAttribute("aria-live"), "polite");

		await page.locator("#result-links").getByRole("link", { name: "入檔記錄", exact: true }).click();
		await page.waitForURL(`**/batches/${batchId}/log`);
		assert.match(await textOf(page, "#log-file-name"), new RegExp(`^${fileName.replace(/\.csv$/, "")}\\.\\d{13}\\.log$`));
		const lines = await logLines(page);
		for (const line of lines) assert.match(line, LOG_TIME, `log line in the seed's time format: ${line}`);
		const texts = lines.map((line) => line.replace(LOG_TIME, ""));
		assert.deepEqual(texts, [
			"開始執行...",
			"第1列為標題列,已略過不入檔.",
			`第1筆資料:${maskIdNo(insured[0] ?? "")},註冊成功,已寄送認證信`,
			`第2筆資料:${maskIdNo(insured[1] ?? "")},註冊成功,已寄送認證信(行動電話補回開頭0)`,
			`第3筆資料:${maskIdNo(insured[2] ?? "")},註冊成功,已寄送認證信`,
			`第4筆資料:${maskIdNo(outsider)}(非該單位在保險對象)不入檔!`,
			"結束執行...",
			"----總共上傳4筆,成功註冊3筆,失敗1筆----",
		]);
		const html = await page.content();
		for (const idNo of [...insured, outsider]) assert.ok(!html.includes(idNo), "no full ID on the log page");

		// 下載: the same log as a file, UTF-8 with BOM and CRLF for Notepad.
		const [logDownload] = await Promise.all([page.waitForEvent("download"), page.locator("#batch-log").getByRole("link", { name: "下載", exact: true }).click()]);
		assert.equal(logDownload.suggestedFilename(), await textOf(page, "#log-file-name"));
		const logFile = await downloadBytes(logDownload);
		assert.deepEqual(logFile.subarray(0, 3), UTF8_BOM, "the log file starts with a UTF-8 BOM");
		assert.deepEqual(logFile.subarray(3).toString("utf8").split("\r\n"), [...lines, ""], "the file is the page's log, CRLF line ends");

		// 下載結果CSV: one line per row with its code, for Excel.
		const [csvDownload] = await Promise.all([page.waitForEvent("download"), page.locator("#batch-log").getByRole("link", { name: "下載結果CSV" }).click()]);
		const csv = await downloadBytes(csvDownload);
		assert.deepEqual(csv.subarray(0, 3), UTF8_BOM, "the result CSV starts with a UTF-8 BOM");
		const csvLines = csv.subarray(3).toString("utf8").split("\r\n").filter((line) => line !== "");
		assert.equal(csvLines[0], "列號,資料序號,身分證號(遮罩),結果,代碼,說明,處理方式");
		assert.equal(csvLines.length, 1 + rows.length, "a header and one line per row");
		assert.match(csvLines[4] ?? "", new RegExp(`${maskIdNo(outsider).replace(/\*/g, "\\*")},.*NOT_INSURED`));
		for (const idNo of [...insured, outsider]) assert.ok(!csv.includes(idNo), "no full ID in the result CSV");
	});

	browserTest("a file named for another unit is stopped before upload, and the server says why in zh-TW", browser, async (h) => {
		const page = await h.newPage();
		const clerk = await signInAs(page, "clerk", "120000000", 1);
		const posts: string[] = [];
		page.on("request", (req) => {
			if (req.method() === "POST") posts.push(req.url());
		});
		const bytes = excelBig5Csv(rowsFor(insuredMembers(clerk.unitCode, 1, 0), outsiderOf(clerk.unitCode)));
		const otherUnitsFile = batchFileName("110001000");

		// The page's own check, before anything is sent.
		await chooseFile(page, "名單.xlsx", bytes);
		assert.equal(await textOf(page, "#file-check"), "只限上傳.csv檔。");
		await chooseFile(page, otherUnitsFile, bytes);
		assert.equal(await textOf(page, "#file-check"), `檔名前9碼須為所選的投保單位代號 ${clerk.unitCode}。`);
		await page.getByRole("button", { name: "上傳" }).click();
		await page.waitForTimeout(500);
		assert.deepEqual(posts, [], "nothing is uploaded while the client-side check objects");
		assert.match(new URL(page.url()).pathname, /^\/batches\/new$/);

		// Past the page's check (a date in the future is the server's to judge): the reason, in zh-TW.
		h.expectConsoleError(/status of 422/);
		await chooseFile(page, batchFileName(clerk.unitCode, 2), bytes);
		assert.equal(await textOf(page, "#file-check"), "");
		await page.getByRole("button", { name: "上傳" }).click();
		await page.locator('[role="alert"][data-reason]').waitFor();
		assert.equal(await page.locator('[role="alert"]').getAttribute("data-reason"), "FILE_DATE_FUTURE");
		assert.match(await textOf(page, '[role="alert"]'), /^入檔失敗：檔案名稱中的日期不可晚於今天。/);
		assert.equal(await page.locator("#contactName").inputValue(), clerk.name, "the form keeps what was typed");

		// An Excel workbook renamed to .csv.
		h.expectConsoleError(/status of 422/);
		const workbook = Buffer.concat([Buffer.from("504b0304140006000800000021", "hex"), Buffer.alloc(64, 0)]);
		await chooseFile(page, batchFileName(clerk.unitCode), workbook);
		await page.getByRole("button", { name: "上傳" }).click();
		await page.locator('[role="alert"][data-reason="FILE_BINARY"]').waitFor();
		assert.match(await textOf(page, '[role="alert"]'), /檔案不是文字格式的 CSV 檔/);

		// Without JavaScript the page's check cannot run; the server refuses the other unit's file itself.
		const noScript = await h.newPage({ javaScriptEnabled: false });
		await signInAs(noScript, "clerk", "120000000", 1);
		h.expectConsoleError(/status of 422/);
		await chooseFile(noScript, otherUnitsFile, bytes);
		await noScript.getByRole("button", { name: "上傳" }).click();
		await noScript.locator('[role="alert"][data-reason="FILE_UNIT_MISMATCH"]').waitFor();
		assert.match(await textOf(noScript, '[role="alert"]'), /^入檔失敗：檔案名稱中的投保單位代號與所選投保單位代號不符。 ?請確認所選的投保單位代號，或更正檔名前9碼。$/);
	});

	browserTest("健保卡註冊申請上傳紀錄查詢 lists a clerk's upload for them and the manager, not for the other clerk", browser, async (h) => {
		const page = await h.newPage();
		const clerk = await signInAs(page, "clerk", "133397421", 1);
		const fileName = batchFileName(clerk.unitCode);
		const batchId = await uploadAndFinish(page, fileName, excelBig5Csv(rowsFor(insuredMembers(clerk.unitCode, 2, 0), outsiderOf(clerk.unitCode, 1))));

		await page.setViewportSize({ width: 1280, height: 800 });
		await openFromMenu(page, RECORDS_TITLE);
		const form = page.locator("#records-form");
		for (const label of ["◎投保單位代號", "上傳日期", "處理狀態"]) {
			assert.equal(await form.locator("th").getByText(label, { exact: true }).count(), 1, `filter ${label}`);
		}
		// The seed's three choices, SPEC §3's 入檔中 and 入檔失敗, in one group named 處理狀態.
		const statusGroup = form.getByRole("group", { name: "處理狀態" });
		for (const status of ["已上傳,等待入檔", "入檔中", "入檔完畢", "入檔失敗", "全部"]) await statusGroup.getByLabel(status, { exact: true }).waitFor();
		assert.ok(await form.getByLabel("全部", { exact: true }).isChecked(), "全部 is the default 處理狀態");
		assert.match(await form.locator("#from").inputValue(), /^\d{7}$/);
		await form.getByRole("button", { name: "查詢" }).waitFor();
		await form.getByRole("link", { name: "清除" }).waitFor();

		assert.equal(await textOf(page, "#records-summary"), "【共1筆資料】【1/1頁】");
		const headers = (await page.locator("#records thead th").allTextContents()).map((s) => s.trim());
		assert.deepEqual(headers, ["上傳檔名", "聯絡人", "上傳時間", "上傳筆數", "成功筆數", "失敗筆數", "處理狀態", "入檔結果", "註冊者狀態", "上傳人員"]);
		const row = page.locator(`#records tbody tr[data-batch-id="${batchId}"]`);
		const cells = (await row.locator("td").allTextContents()).map((s) => s.trim());
		assert.equal(cells[0], fileName);
		assert.equal(cells[1], clerk.name);
		assert.match(cells[2] ?? "", /\d/);
		assert.deepEqual(cells.slice(3, 7), ["3", "2", "1", "入檔完畢"]);
		assert.equal(cells[8], "待認證 2 / 已認證 0 / 已逾期 0");
		assert.equal(cells[9], clerk.name);
		// At 1280 px the names read on one line, not one character a line.
		for (const column of [2, 10]) {
			const lines = await row.locator(`td:nth-child(${column})`).evaluate((td) => {
				const range = document.createRange();
				range.selectNodeContents(td);
				return new Set(Array.from(range.getClientRects(), (r) => Math.round(r.top))).size;
			});
			assert.equal(lines, 1, `column ${column} (${column === 2 ? "聯絡人" : "上傳人員"}) on one line`);
		}
		// 入檔失敗 and 入檔中 are filters of their own: this finished upload is in neither.
		const filterBy = async (label: string, value: string): Promise<void> => {
			await form.getByLabel(label, { exact: true }).check();
			await form.getByRole("button", { name: "查詢" }).click();
			await page.waitForURL((url) => url.searchParams.get("status") === value);
		};
		for (const [label, value] of [["入檔失敗", "failed"], ["入檔中", "importing"]] as const) {
			await filterBy(label, value);
			assert.equal(await page.locator(`#records tbody tr[data-batch-id="${batchId}"]`).count(), 0, `not under ${label}`);
		}
		await filterBy("入檔完畢", "done");
		await page.locator(`#records tbody tr[data-batch-id="${batchId}"]`).waitFor();
		await row.getByRole("link", { name: "入檔記錄" }).click();
		await page.waitForURL(`**/batches/${batchId}/log`);
		assert.ok((await logLines(page)).some((line) => line.endsWith(`第3筆資料:${maskIdNo(outsiderOf(clerk.unitCode, 1))}(非該單位在保險對象)不入檔!`)));

		// The unit's other clerk sees only their own uploads: none, and not this one even by its URL.
		const other = await h.newPage();
		await signInAs(other, "clerk", clerk.unitCode, 2);
		await openFromMenu(other, RECORDS_TITLE);
		assert.equal(await textOf(other, "#records-summary"), "【共0筆資料】【1/1頁】");
		assert.equal(await other.locator(`[data-batch-id="${batchId}"]`).count(), 0);
		h.expectConsoleError(/status of 404/);
		const peek = await other.goto(`/batches/${batchId}/log`);
		assert.equal(peek?.status(), 404, "another clerk's log is not found");
		assert.ok(!(await other.content()).includes(fileName));

		// The unit manager sees the whole unit's uploads, this one with its uploader.
		const manager = await h.newPage();
		await signInAs(manager, "manager", clerk.unitCode);
		await openFromMenu(manager, RECORDS_TITLE);
		assert.match(await textOf(manager, "#records-summary"), /^【共[1-9]\d*筆資料】【1\/\d+頁】$/);
		const managersRow = manager.locator(`#records tbody tr[data-batch-id="${batchId}"]`);
		assert.equal((await managersRow.locator("td").last().textContent())?.trim(), clerk.name);
	});

	browserTest("the dev mailbox has the clerk's result mail with the log attached", browser, async (h) => {
		const page = await h.newPage();
		const clerk = await signInAs(page, "clerk", "120000000", 2);
		const insured = insuredMembers(clerk.unitCode, 2, 5);
		const outsider = outsiderOf(clerk.unitCode, 2);
		const fileName = batchFileName(clerk.unitCode);
		await uploadAndFinish(page, fileName, excelBig5Csv(rowsFor(insured, outsider)));
		assert.equal(await textOf(page, "#status-result"), "總共上傳3筆,成功註冊2筆,失敗1筆");

		await page.setViewportSize({ width: 1280, height: 800 });
		await openFromMenu(page, "開發用信箱");
		assert.equal(await textOf(page, "#mailbox-sender"), "寄件者：健保署 <eservice@nhi.example.tw>");
		// Many tests' mails are in the box: a search by the recipient finds this clerk's.
		await page.getByRole("searchbox", { name: "搜尋信件" }).fill(clerk.email);
		await page.getByRole("button", { name: "搜尋" }).click();
		await page.waitForURL((url) => url.searchParams.get("q") === clerk.email);
		const listed = await page.locator("tbody tr").allTextContents();
		assert.ok(listed.length >= 1 && listed.every((row) => row.includes(clerk.email)), "only mails to the clerk");
		assert.match(await textOf(page, "#mailbox-summary"), new RegExp(`^符合「${clerk.email.replace(/\./g, "\\.")}」的信件共 ${listed.length} 封$`));
		const mail = page.locator("tbody tr").filter({ hasText: clerk.email }).filter({ hasText: "健保卡整批註冊上傳結果通知" });
		assert.equal(await mail.count(), 1, "one result mail to the clerk");
		await mail.getByRole("link", { name: "健保卡整批註冊上傳結果通知" }).click();
		await page.locator("article.mail").waitFor();
		assert.equal(await textOf(page, "#mail-from"), "健保署 <eservice@nhi.example.tw>", "the mail shows its sender");
		assert.match(await textOf(page, ".mail-headers"), new RegExp(clerk.email.replace(/\./g, "\\.")));
		const text = await textOf(page, ".mail-text");
		assert.match(text, /^親愛的承辦人您好：/);
		assert.match(text, /貴單位民國\d{3}年\d{2}月\d{2}日於多憑證網路承保作業，/);
		assert.match(text, /總共上傳3筆，成功註冊2筆，失敗1筆。人檔資訊詳見附件。/);

		const attachment = page.locator(".mail-attachments a");
		assert.equal(await attachment.count(), 1, "the log is attached");
		const logName = new RegExp(`^${fileName.replace(/\.csv$/, "")}\\.\\d{13}\\.log$`);
		assert.match((await attachment.textContent())?.trim() ?? "", logName);
		const [download] = await Promise.all([page.waitForEvent("download"), attachment.click()]);
		assert.match(download.suggestedFilename(), logName);
		const log = await downloadBytes(download);
		assert.deepEqual(log.subarray(0, 3), UTF8_BOM, "the attached log is UTF-8 with BOM, as Notepad wants");
		const logText = log.subarray(3).toString("utf8");
		assert.ok(logText.endsWith("----總共上傳3筆,成功註冊2筆,失敗1筆----\r\n"), "the log ends with the totals line (CRLF)");
		assert.match(logText, new RegExp(`第3筆資料:${maskIdNo(outsider).replace(/\*/g, "\\*")}\\(非該單位在保險對象\\)不入檔!\\r\\n`));
		for (const idNo of [...insured, outsider]) assert.ok(!logText.includes(idNo), "no full ID in the attached log");

		// A registrant's mail, with its long link, wraps inside the page: nothing to scroll sideways.
		// (The registrants' mails follow 入檔完畢 within seconds.)
		const deadline = Date.now() + IMPORT_TIMEOUT_MS;
		do await page.goto(`/dev/mailbox?q=${encodeURIComponent(insured[0]?.slice(-4) ?? "")}`);
		while ((await page.locator("tbody tr", { hasText: "健保卡網路服務-註冊成功" }).count()) === 0 && Date.now() < deadline);
		await page.locator("tbody tr", { hasText: "健保卡網路服務-註冊成功" }).first().getByRole("link").click();
		await page.locator("article.mail").waitFor();
		const overflow = await page.evaluate(() => {
			const text = document.querySelector("pre.mail-text");
			return { text: text ? text.scrollWidth - text.clientWidth : -1, page: document.documentElement.scrollWidth - document.documentElement.clientWidth };
		});
		assert.deepEqual(overflow, { text: 0, page: 0 }, "the mail's text wraps");
	});

	browserTest("the portal's pages load without console errors or CSP violations, under a CSP without inline script", browser, async (h) => {
		const page = await h.newPage();
		const first = await page.goto("/");
		const csp = first?.headers()["content-security-policy"] ?? "";
		assert.match(csp, /script-src 'self'(;|$)/, "scripts only from the portal itself");
		assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
		assert.match(csp, /frame-ancestors 'none'/);

		await signInAs(page, "manager", "110001000");
		for (const path of ["/", "/rules", "/batches/new", "/batches", "/dev/mailbox", "/dev/sign-in"]) {
			const res = await page.goto(path);
			assert.equal(res?.status(), 200, `${path} answers 200`);
			await page.waitForLoadState("load");
		}
		assert.match(await textOf(page, "main h1"), /示範登入/);
	});
});
