// The whole journey in one real-browser test (SPEC §1–§7), a screenshot of each step (into docs/ for the
// README with `UPDATE_SCREENSHOTS=1 npm run test:browser`): the unit manager signs in with the unit's
// 工商憑證 and authorizes a new clerk in 授權管理
// → a clerk signs in with NHI card + 註冊密碼 (the reader helper's virtual backend, READER_URL) → 下載範例檔
// → uploads a Big5 file saved the Excel way → 已上傳,等待入檔 / 入檔中 → 入檔完畢 → 入檔記錄 → the
// registrant opens the verification mail in the development mailbox → 讀取 their card → 註冊密碼 → 確定
// → that registrant, now registered, signs in with card + password — and, being the clerk the manager
// authorized in the first step, finds the upload page in their menu.
//
// The newly authorized clerk cannot sign in before their own registration is complete (sign-in needs a
// verified registration and a 註冊密碼), so the upload is made by a demo clerk of the same unit, and the
// person the manager authorizes is the registrant of that upload: their first sign-in closes the journey.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { z } from "zod";
import { DEMO_PASSWORD } from "../../scripts/demo-credentials.ts";
import { Rng } from "../../scripts/demo-data.ts";
import { DEMO_PIN } from "../../scripts/dev-pki.ts";
import { newIdNo } from "../../scripts/lib/bench-data.ts";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { batchFileName, demoData, demoStaff, excelBig5Csv, insuredMembers, outsiderOf, type BatchRow } from "./fixtures.ts";
import { browserTest, downloadBytes, PORTAL_URL, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
/**
 * Where the step screenshots go: docs/ (the README's, committed) when UPDATE_SCREENSHOTS=1, else
 * test-results/browser/journey/, so that an ordinary test run leaves the working tree as it was.
 */
const DOCS_DIR = path.resolve(import.meta.dirname, "..", "..", ...(process.env.UPDATE_SCREENSHOTS === "1" ? ["docs"] : ["test-results", "browser", "journey"]));
const VIEWPORT = { width: 1280, height: 800 };
const UNIT = "110001000";
/** Demo insured members of the unit no other browser test registers. */
const MEMBER_OFFSET = 400;
/**
 * Rows of people insured nowhere in the file, after the real ones: they fail alone (非該單位在保險對象), and
 * make the import take more than one 5,000-row chunk, so that 入檔中 has a chance to show on the page.
 */
const FILLER_ROWS = 5_996;
/** After 入檔完畢 the batch's object opens the windows and mails the registrants. */
const MAIL_TIMEOUT_MS = 60_000;
const IMPORT_TIMEOUT_MS = 90_000;
const REGISTRANT_PASSWORD = "Nhi-2024ab";
const CONFIRMED = "您已完成電子郵件信箱認證，歡迎開始使用本系統！";
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

async function shot(page: Page, name: string): Promise<void> {
	mkdirSync(DOCS_DIR, { recursive: true });
	await page.screenshot({ path: path.join(DOCS_DIR, `${name}.png`), type: "png" });
}

async function insertCard(body: { cardNo: string } | { certId: string }): Promise<void> {
	assert.ok(READER_URL, "READER_URL is set by npm run test:browser");
	const res = await fetch(`${READER_URL}/virtual/insert`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
	assert.equal(res.status, 200, await res.text());
}

function activeCardOf(idNo: string): string {
	const card = demoData().cards.find((c) => c.idNo === idNo && c.status === "active");
	assert.ok(card, `demo person ${maskIdNo(idNo)} has an active card`);
	return card.cardNo;
}

const mailbox = z.object({ messages: z.array(z.object({ id: z.string(), subject: z.string() })) });

async function waitForMail(email: string, subject: string): Promise<string> {
	const deadline = Date.now() + MAIL_TIMEOUT_MS;
	for (;;) {
		const res = await fetch(`${PORTAL_URL}/dev/mailbox.json?to=${encodeURIComponent(email)}`);
		const mail = mailbox.parse(await res.json()).messages.find((m) => m.subject === subject);
		if (mail) return mail.id;
		assert.ok(Date.now() < deadline, `no 「${subject}」 mail to ${email} within ${MAIL_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** 健保卡 sign-in: 讀取, the holder's name, 註冊密碼, 登入; lands on the upload page greeting them. */
async function signInWithCard(page: Page, who: { idNo: string; name: string }, password: string, screenshot?: string): Promise<void> {
	await insertCard({ cardNo: activeCardOf(who.idNo) });
	await page.goto("/sign-in");
	await page.locator("#sign-in-status").getByText("已偵測到健保卡").waitFor();
	await page.getByRole("button", { name: "讀取" }).click();
	await page.locator("#nhi-holder").getByText(who.name).waitFor();
	await page.locator("#password").fill(password);
	if (screenshot) await shot(page, screenshot);
	await page.locator("#nhi-submit").click();
	// Staff land on the upload page (as 示範登入 does).
	await page.waitForURL((url) => url.pathname === "/batches/new");
	await page.locator(".site-header").getByText(`${who.name} 您好`).waitFor();
}

async function openFromMenu(page: Page, title: string): Promise<void> {
	await page.locator("nav.side-menu").getByRole("link", { name: title }).click();
	await page.locator("main h1").getByText(title, { exact: true }).waitFor();
}

describe("the whole journey", () => {
	browserTest("manager authorizes a clerk → clerk uploads → 入檔完畢 → registrant confirms → registrant signs in", browser, async (h) => {
		const data = demoData();
		const [registrantId, ...colleagues] = insuredMembers(UNIT, 3, MEMBER_OFFSET);
		const person = data.people.find((p) => p.idNo === registrantId);
		assert.ok(registrantId && person, "a demo insured member to register");
		const registrant = { idNo: registrantId, name: person.name, email: `journey.${registrantId.slice(-4)}@example.com.tw`, cardNo: activeCardOf(registrantId) };

		// 1. 單位管理者: 工商憑證 + PIN, then 授權管理 → 新增承辦人 (the registrant-to-be, by ID, name, e-mail).
		const manager = demoStaff("manager", UNIT);
		const managerPage = await h.newPage();
		await managerPage.setViewportSize(VIEWPORT);
		await insertCard({ certId: `moeaca-${UNIT}` });
		await managerPage.goto("/sign-in?method=moeaca");
		await managerPage.locator("#sign-in-status").getByText("已偵測到憑證卡").waitFor();
		await managerPage.locator("#moeaca-id-no").fill(manager.idNo);
		await managerPage.locator("#moeaca-pin").fill(DEMO_PIN);
		await managerPage.locator("#moeaca-submit").click();
		await managerPage.waitForURL((url) => url.pathname === "/batches/new");
		await openFromMenu(managerPage, "授權管理");
		await managerPage.locator("#clerk-id-no").fill(registrant.idNo);
		await managerPage.locator("#clerk-name").fill(registrant.name);
		await managerPage.locator("#clerk-email").fill(registrant.email);
		await managerPage.locator("#authorize-form").getByRole("button").click();
		await managerPage.waitForURL((url) => url.searchParams.get("done") === "authorized");
		await managerPage.getByText("已授權承辦人。").waitFor();
		await managerPage.locator(`#staff-list tr[data-id="${maskIdNo(registrant.idNo)}"]`).getByText("授權中").waitFor();
		await shot(managerPage, "01-authorize-clerk");

		// 2. A clerk of the unit signs in with their NHI card and 註冊密碼.
		const clerk = demoStaff("clerk", UNIT, 2);
		const page = await h.newPage();
		await page.setViewportSize(VIEWPORT);
		await signInWithCard(page, clerk, DEMO_PASSWORD, "02-clerk-sign-in-card");

		// 3. 健保卡註冊申請整批資料上傳: 下載範例檔 (UTF-8 with BOM, the four columns).
		await openFromMenu(page, "健保卡註冊申請整批資料上傳");
		const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: /下載範例檔/ }).click()]);
		const template = await downloadBytes(download);
		assert.deepEqual(template.subarray(0, 3), UTF8_BOM);
		assert.equal(template.subarray(3).toString("utf8").split("\r\n")[0], "身分證號,電子郵件,行動電話,聯絡電話");

		// 4. The file as Excel "CSV (逗號分隔)" saves it on zh-TW Windows: Big5 header row, CRLF, `…,` rows.
		const rng = new Rng(20_261_127);
		const taken = new Set(data.people.map((p) => p.idNo));
		const outsider = outsiderOf(UNIT, 3);
		const rows: BatchRow[] = [
			{ idNo: registrant.idNo, email: registrant.email, mobile: "0912345678", phone: "02-23456789" },
			...colleagues.map((idNo, i) => ({ idNo, email: `journey.colleague${i + 1}@example.com.tw`, mobile: `9${String(21_000_000 + i)}` })),
			{ idNo: outsider, email: "journey.outsider@example.com.tw", mobile: "0987654321" },
			...Array.from({ length: FILLER_ROWS }, (_, i) => ({ idNo: newIdNo(rng, taken), email: `nobody${i}@example.com.tw`, mobile: `09${String(40_000_000 + i)}` })),
		];
		const fileName = batchFileName(UNIT);
		await page.locator("#file").setInputFiles({ name: fileName, mimeType: "text/csv", buffer: excelBig5Csv(rows) });
		assert.equal(await textOf(page, "#file-check"), "", "the page's own check accepts the file");
		await shot(page, "03-upload-form");
		// The import of a few thousand rows may end between two of the page's polls: the status answer that
		// says 入檔完畢 is held back until the page has been seen (and photographed) 入檔中.
		let releaseDone = (): void => undefined;
		const doneMayShow = new Promise<void>((resolve) => (releaseDone = resolve));
		let doneHeld = false;
		await page.route("**/batches/*/status", async (route) => {
			try {
				const res = await route.fetch();
				const body = await res.text();
				if (/"status":"(done|failed)"/.test(body)) {
					doneHeld = true;
					await doneMayShow;
				}
				await route.fulfill({ response: res, body });
			} catch {
				// the page moved on meanwhile
			}
		});
		await page.getByRole("button", { name: "上傳" }).click();
		await page.waitForURL(/\/batches\/[A-Za-z0-9_-]{10,40}$/);

		// 5. The progress page: 已上傳,等待入檔 → 入檔中 (rows done / total) → 入檔完畢, as it polls.
		const progress = page.locator("#batch-progress");
		const seen = new Set<string>([(await progress.getAttribute("data-status")) ?? ""]);
		const deadline = Date.now() + IMPORT_TIMEOUT_MS;
		let progressShot = false;
		for (;;) {
			const status = (await progress.getAttribute("data-status")) ?? "";
			seen.add(status);
			if (!progressShot && (status === "importing" || (status === "queued" && doneHeld))) {
				if (status === "importing") await page.locator("#status-label").getByText("入檔中").waitFor();
				// Nothing to open yet: 入檔記錄 and 下載結果CSV appear only once the batch has ended.
				assert.equal(await page.locator("#result-links").isVisible(), false, "no result links while the batch runs");
				await shot(page, "04-progress");
				progressShot = true;
				releaseDone();
			}
			if (status === "done" || status === "failed") break;
			assert.ok(Date.now() < deadline, `the batch is still ${status} after ${IMPORT_TIMEOUT_MS / 1000} s`);
			await page.waitForTimeout(50);
		}
		releaseDone();
		await page.unroute("**/batches/*/status");
		console.log(`# progress page states seen: ${[...seen].join(" → ")}`);
		assert.equal(await textOf(page, "#status-label"), "入檔完畢");
		const total = rows.length;
		const grouped = (n: number): string => n.toLocaleString("en-US");
		assert.equal(await textOf(page, "#status-result"), `總共上傳${grouped(total)}筆,成功註冊3筆,失敗${grouped(total - 3)}筆`);
		assert.equal(await textOf(page, "#status-cell"), `入檔完畢 ${grouped(total)} / ${grouped(total)} 筆`);
		assert.ok(await page.locator("#result-links").isVisible());
		await page.locator("#mail-progress").getByText("認證信已全部寄出：3 封").waitFor({ timeout: MAIL_TIMEOUT_MS });
		await shot(page, "05-import-done");

		// 6. 入檔記錄: the seed's log format.
		await page.locator("#result-links").getByRole("link", { name: "入檔記錄", exact: true }).click();
		await page.waitForURL("**/log");
		const log = (await page.locator("pre.log").textContent()) ?? "";
		assert.match(log, new RegExp(`第1筆資料:${maskIdNo(registrant.idNo).replace(/\*/g, "\\*")},註冊成功,已寄送認證信`));
		assert.match(log, /\(非該單位在保險對象\)不入檔!/);
		assert.match(log, new RegExp(`----總共上傳${total}筆,成功註冊3筆,失敗${total - 3}筆----`));
		await shot(page, "06-import-log");

		// 7. The registrant opens the verification mail in the development mailbox and follows its link.
		const mailId = await waitForMail(registrant.email, "健保卡網路服務-註冊成功");
		const own = await h.newPage();
		await own.setViewportSize(VIEWPORT);
		await own.goto("/dev/mailbox");
		await own.locator("tbody tr").filter({ hasText: registrant.email }).first().waitFor();
		await own.goto(`/dev/mailbox/${mailId}`);
		assert.match(await textOf(own, ".mail-text"), new RegExp(`^親愛的 ${registrant.name} 您好：`));
		await shot(own, "07-verification-mail");
		const href = (await own.locator(".mail-links a").filter({ hasText: "/verify?ticket=" }).first().getAttribute("href")) ?? "";
		const link = new URL(href);
		assert.ok(!href.includes(registrant.idNo) && !href.includes(registrant.cardNo), "the link carries only the ticket");
		assert.equal(link.origin, PORTAL_URL, "the link leads to the portal that sent it");
		await own.locator(".mail-links a").filter({ hasText: "/verify?ticket=" }).first().click();
		await own.locator("main h1").getByText("健保卡網路服務註冊-電子信箱認證", { exact: true }).waitFor();

		// 8. 讀取 with their card, then the 註冊密碼 twice (強 on the meter), 確定.
		await insertCard({ cardNo: registrant.cardNo });
		await own.getByRole("button", { name: "讀取" }).click();
		await own.waitForFunction((name) => (document.getElementById("card-name") as HTMLInputElement | null)?.value === name, registrant.name);
		await own.locator("#password").fill(REGISTRANT_PASSWORD);
		await own.locator("#password-confirm").fill(REGISTRANT_PASSWORD);
		assert.equal(await own.locator("#strength-meter").getAttribute("data-strength"), "強");
		await shot(own, "08-verify-card-password");
		await own.getByRole("button", { name: "確定" }).click();
		await own.locator("#web-message").waitFor();
		assert.equal(await textOf(own, "#web-message-text"), CONFIRMED);
		await shot(own, "09-verified");
		await own.locator("#web-message").getByRole("link", { name: "確定" }).click();
		await own.waitForURL("**/sign-in");

		// 9. Now registered, they sign in with card + 註冊密碼 — and, authorized in step 1, may upload.
		await signInWithCard(own, registrant, REGISTRANT_PASSWORD);
		const menu = own.locator("nav.side-menu");
		await menu.getByRole("link", { name: "健保卡註冊申請整批資料上傳" }).waitFor();
		await shot(own, "10-registrant-signed-in");
		await openFromMenu(own, "健保卡註冊申請整批資料上傳");
		assert.match(await textOf(own, "#unitCode"), new RegExp(`^${UNIT} `));
		assert.equal(await own.locator("#contactName").inputValue(), registrant.name);
	});
});
