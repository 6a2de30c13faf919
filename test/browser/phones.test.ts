// Phones (issue 13 item 7): registrants open the mail's link on a phone first. At 390 × 844 (a touch
// screen) every page fits the width — the side menu becomes a 作業選項 disclosure at the top, the form
// tables stack label over field — and the verification page says, before anything is tried, that a card
// reader on a computer is needed. A screenshot of each page goes to the README (docs/phone-*.png with
// UPDATE_SCREENSHOTS=1).
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { insuredMembers, type BatchRow } from "./fixtures.ts";
import { sidewaysOverflow, uploadBatch, verificationPath } from "./flows.ts";
import { browserTest, PHONE_VIEWPORT, signInAs, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const UNIT = "110001000";
/** Demo insured members of the unit no other browser test registers. */
const MEMBER_OFFSET = 700;
const SHOTS_DIR = path.resolve(import.meta.dirname, "..", "..", ...(process.env.UPDATE_SCREENSHOTS === "1" ? ["docs"] : ["test-results", "browser", "screens"]));
const PHONE_NOTICE = /需要以電腦連接晶片讀卡機/;

async function shot(page: Page, name: string): Promise<void> {
	mkdirSync(SHOTS_DIR, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The page fits the phone's width, and its menu is closed behind 作業選項 until tapped. */
async function fitsThePhone(page: Page, where: string): Promise<void> {
	assert.equal(await sidewaysOverflow(page), 0, `${where}: no sideways scrolling at ${PHONE_VIEWPORT.width} px`);
	const menu = page.locator("nav.side-menu");
	assert.equal(await menu.getByRole("link", { name: "環境說明" }).isVisible(), false, `${where}: the menu is folded away`);
	assert.ok(await menu.getByText("作業選項", { exact: true }).isVisible(), `${where}: 作業選項 opens it`);
}

/** Each label of a form table sits above its field, not beside it. */
async function stacks(page: Page, table: string): Promise<void> {
	const rows = page.locator(`${table} tr`);
	for (let i = 0; i < (await rows.count()); i++) {
		const th = await rows.nth(i).locator("th").first().boundingBox();
		const td = await rows.nth(i).locator("td").first().boundingBox();
		if (!th || !td) continue; // a row hidden until the card is read
		assert.ok(td.y >= th.y + th.height - 1, `${table} row ${i + 1}: the field is below its label`);
	}
}

describe("on a phone (390 × 844)", () => {
	browserTest("the verification page fits the phone and says a card reader on a computer is needed before anything is tried", browser, async (h) => {
		const clerk = await h.newPage();
		await signInAs(clerk, "clerk", UNIT, 1);
		const [idNo] = insuredMembers(UNIT, 1, MEMBER_OFFSET);
		assert.ok(idNo);
		const row: BatchRow = { idNo, email: `phone.${idNo.slice(-4).toLowerCase()}@example.com.tw`, mobile: "0933123456" };
		await uploadBatch(clerk, UNIT, [row]);
		const link = await verificationPath(row.email);

		const phone = await h.newPage({ phone: true });
		await phone.goto(link);
		await phone.locator("main h1").getByText("健保卡網路服務註冊-電子信箱認證", { exact: true }).waitFor();
		const notice = phone.locator("#phone-notice");
		assert.ok(await notice.isVisible(), "the phone notice shows");
		assert.match(await textOf(phone, "#phone-notice"), PHONE_NOTICE);
		const noticeBox = await notice.boundingBox();
		const readBox = await phone.getByRole("button", { name: "讀取" }).boundingBox();
		assert.ok(noticeBox && readBox && noticeBox.y < readBox.y, "the notice comes before 讀取");
		await fitsThePhone(phone, "/verify");
		await stacks(phone, "#verify-form table");
		await shot(phone, "phone-01-verify");

		// The same page on a computer does not show it.
		const desktop = await h.newPage();
		await desktop.goto(link);
		assert.equal(await desktop.locator("#phone-notice").isVisible(), false);
	});

	browserTest("the clerk's and the public pages fit the phone: menu behind 作業選項, form tables stacked", browser, async (h) => {
		const phone = await h.newPage({ phone: true });
		for (const [where, name] of [["/", "phone-02-home"], ["/sign-in", "phone-03-sign-in"], ["/environment", "phone-04-environment"], ["/verify/resend", ""], ["/rules", ""]] as const) {
			await phone.goto(where);
			await fitsThePhone(phone, where);
			if (name) await shot(phone, name);
		}
		await stacks(phone, "#nhi-card-form table");

		await signInAs(phone, "clerk", UNIT, 1);
		await fitsThePhone(phone, "/batches/new");
		await stacks(phone, "#upload-form table");
		await shot(phone, "phone-05-upload");
		const [idNo] = insuredMembers(UNIT, 1, MEMBER_OFFSET + 1);
		assert.ok(idNo);
		const batchId = await uploadBatch(phone, UNIT, [{ idNo, email: `phone2.${idNo.slice(-4).toLowerCase()}@example.com.tw`, mobile: "0933123457" }]);
		await fitsThePhone(phone, `/batches/${batchId}`);
		await shot(phone, "phone-06-import-done");
		for (const where of ["/batches", `/batches/${batchId}/log`, "/dev/mailbox"]) {
			await phone.goto(where);
			await fitsThePhone(phone, where);
		}
		await phone.goto("/batches");
		await stacks(phone, "#records-form table");
		await shot(phone, "phone-07-records");

		// 作業選項 opens the menu in place.
		await phone.locator("nav.side-menu").getByText("作業選項", { exact: true }).click();
		await phone.locator("nav.side-menu").getByRole("link", { name: "健保卡註冊申請整批資料上傳" }).waitFor();
		assert.equal(await sidewaysOverflow(phone), 0);
		await shot(phone, "phone-08-menu");
		await phone.locator("nav.side-menu").getByRole("link", { name: "健保卡註冊申請整批資料上傳" }).click();
		await phone.locator("main h1").getByText("健保卡註冊申請整批資料上傳", { exact: true }).waitFor();
	});
});
