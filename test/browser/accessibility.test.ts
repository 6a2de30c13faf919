// Accessibility in a real browser (issue 15 item 7). Every page any browser test opens is checked by
// axe-core as it loads (helpers.ts, axe.ts); this file visits each of the portal's pages on purpose —
// signed out, as a clerk, as a manager, with a batch, a log, mails and a live verification link — and
// prints what axe found per page. It also checks what axe cannot: a skip link to the main content,
// pages at 200 % zoom without sideways scrolling, errors tied to their fields, and the ◎投保單位代號
// label naming a control.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { BLOCKING_IMPACTS, runAxe } from "./axe.ts";
import { batchFileName, excelBig5Csv, insuredMembers, type BatchRow } from "./fixtures.ts";
import { sidewaysOverflow, uploadBatch, verificationPath, waitForMail } from "./flows.ts";
import { browserTest, signInAs, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const UNIT = "110001000";
/** Demo insured members of the unit no other browser test registers. */
const MEMBER_OFFSET = 600;
const DESKTOP = { width: 1280, height: 800 };
/** 1280 × 800 at 200 % zoom: the browser lays the page out in half as many CSS pixels. */
const ZOOM_200 = { width: 640, height: 400 };

function rows(count: number): BatchRow[] {
	return insuredMembers(UNIT, count, MEMBER_OFFSET).map((idNo, i) => ({ idNo, email: `a11y${i}.${idNo.slice(-4).toLowerCase()}@example.com.tw`, mobile: `09${String(33_000_000 + i)}` }));
}

/** Runs axe on the page as it is; reports the findings; answers the blocking ones. */
async function audit(page: Page, label: string, log: string[]): Promise<string[]> {
	const findings = await runAxe(page);
	const blocking = findings.filter((f) => BLOCKING_IMPACTS.includes(f.impact));
	log.push(`${label}: ${findings.length === 0 ? "no findings" : findings.map((f) => `${f.impact} ${f.id}`).join(", ")}`);
	return blocking.map((f) => `${label}: ${f.impact} ${f.id} — ${f.help} (${f.targets.join(", ")})`);
}

/** The page at 1280 × 800 (axe) and at 200 % zoom (no sideways scrolling). */
async function visit(page: Page, path: string, log: string[], problems: string[]): Promise<void> {
	await page.setViewportSize(DESKTOP);
	await page.goto(path);
	await page.waitForLoadState("load");
	problems.push(...(await audit(page, path, log)));
	await page.setViewportSize(ZOOM_200);
	const overflow = await sidewaysOverflow(page);
	if (overflow > 0) problems.push(`${path}: ${overflow} px of sideways scrolling at 200 % zoom`);
}

describe("accessibility", () => {
	browserTest("every page: no serious axe-core findings at 1280 px, and no sideways scrolling at 200 % zoom", browser, async (h) => {
		const log: string[] = [];
		const problems: string[] = [];
		// These pages are checked here, one by one (not again as they load).
		const clerkPage = await h.newPage({ audit: false });
		await signInAs(clerkPage, "clerk", UNIT, 1);
		const registrants = rows(2);
		const batchId = await uploadBatch(clerkPage, UNIT, registrants);
		const verifyPath = await verificationPath(registrants[0]?.email ?? "");
		const mail = await waitForMail(registrants[0]?.email ?? "", "健保卡網路服務-註冊成功");

		const visitor = await h.newPage({ audit: false });
		for (const path of ["/", "/sign-in", "/sign-in?method=moica", "/sign-in?method=moeaca", "/sign-in?method=passkey", "/environment", "/rules", "/verify", verifyPath, "/verify/resend", "/no-such-page"]) {
			if (path === "/no-such-page") h.expectConsoleError(/status of 404/);
			await visit(visitor, path, log, problems);
		}
		for (const path of ["/batches/new", "/batches", `/batches/${batchId}`, `/batches/${batchId}/log`, "/passkeys", "/dev/mailbox", `/dev/mailbox/${mail.id}`, "/dev/sign-in"]) {
			await visit(clerkPage, path, log, problems);
		}
		const manager = await h.newPage({ audit: false });
		await signInAs(manager, "manager", UNIT);
		await visit(manager, "/staff", log, problems);
		await visit(manager, "/batches", log, problems);
		console.log(`# axe-core, per page:\n${log.map((line) => `#   ${line}`).join("\n")}`);
		assert.deepEqual(problems, []);
	});

	browserTest("a skip link leads past the menu to the main content", browser, async (h) => {
		const page = await h.newPage();
		await page.setViewportSize(DESKTOP);
		await page.goto("/rules");
		await page.keyboard.press("Tab");
		const skip = page.getByRole("link", { name: "跳至主要內容" });
		assert.equal(await skip.evaluate((a) => a === document.activeElement), true, "the first Tab reaches the skip link");
		assert.ok(await skip.isVisible(), "the skip link shows when focused");
		await page.keyboard.press("Enter");
		assert.equal(await page.evaluate(() => document.activeElement?.id), "main");
		await page.keyboard.press("Tab");
		assert.equal(await page.evaluate(() => document.activeElement?.closest("main") !== null), true, "the next Tab is inside the main content");
	});

	browserTest("errors are tied to their fields, and ◎投保單位代號 names a control", browser, async (h) => {
		const page = await h.newPage();
		const clerk = await signInAs(page, "clerk", UNIT, 1);
		// ◎投保單位代號: a one-unit clerk's unit is fixed, and still a labelled control.
		const unit = page.getByLabel("◎投保單位代號", { exact: true });
		assert.equal(await unit.count(), 1, "the label names a control");
		assert.match(await textOf(page, "#unitCode"), new RegExp(`^${clerk.unitCode} `));

		// The page's own check of the file: the file field says it is invalid, and where the reason is.
		const file = page.locator("#file");
		await file.setInputFiles({ name: "名單.xlsx", mimeType: "text/csv", buffer: Buffer.from("x") });
		assert.equal(await file.getAttribute("aria-invalid"), "true");
		assert.match((await file.getAttribute("aria-describedby")) ?? "", /\bfile-check\b/);
		await file.setInputFiles({ name: batchFileName(clerk.unitCode), mimeType: "text/csv", buffer: excelBig5Csv([]) });
		assert.equal(await file.getAttribute("aria-invalid"), "false");

		// The server's refusal of the file: tied to the file field.
		h.expectConsoleError(/status of 422/);
		await file.setInputFiles({ name: batchFileName(clerk.unitCode, 2), mimeType: "text/csv", buffer: excelBig5Csv([]) });
		await page.getByRole("button", { name: "上傳" }).click();
		await page.locator('[role="alert"][data-reason]').waitFor();
		const alertId = await page.locator('[role="alert"][data-reason]').getAttribute("id");
		assert.ok(alertId, "the refusal has an id to point at");
		assert.equal(await page.locator("#file").getAttribute("aria-invalid"), "true");
		assert.match((await page.locator("#file").getAttribute("aria-describedby")) ?? "", new RegExp(`\\b${alertId}\\b`));

		// 上傳日期 typed wrongly: both date fields point at the message.
		await page.goto("/batches?from=abc&to=&status=all");
		const message = page.locator("#query-message");
		await message.waitFor();
		assert.equal(await page.locator("#from").getAttribute("aria-invalid"), "true");
		assert.match((await page.locator("#from").getAttribute("aria-describedby")) ?? "", /\bquery-message\b/);
	});
});
