// 授權管理 in a real browser (issue 15 item 6): 註銷授權 asks before it revokes — whom, in which unit, what
// follows — and the revoked clerk, signed in elsewhere, is told at their next step why they were signed
// out. The clerk is one the manager authorizes in the test itself, so no other test loses a demo clerk.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { demoData, insuredMembers } from "./fixtures.ts";
import { browserTest, signInAs, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const UNIT = "133397421";
/** A member of the unit no other browser test uses. */
const MEMBER_OFFSET = 50;

/** Signs in through 示範登入 as whoever has the row with this masked ID and name. */
async function demoSignIn(page: Page, idNo: string, name: string): Promise<void> {
	await page.goto("/dev/sign-in");
	await page.locator("tbody tr").filter({ hasText: maskIdNo(idNo) }).filter({ hasText: name }).getByRole("button", { name: "登入" }).click();
	await page.waitForURL("**/batches/new");
}

describe("授權管理 in a browser", () => {
	browserTest("註銷授權 asks first, and the revoked clerk is told at their next step why they were signed out", browser, async (h) => {
		const [idNo] = insuredMembers(UNIT, 1, MEMBER_OFFSET);
		const person = demoData().people.find((p) => p.idNo === idNo);
		assert.ok(idNo && person);

		const manager = await h.newPage();
		const me = await signInAs(manager, "manager", UNIT);
		await manager.goto("/staff");
		await manager.locator("#clerk-id-no").fill(idNo);
		await manager.locator("#clerk-name").fill(person.name);
		await manager.locator("#clerk-email").fill(`revoked.${idNo.slice(-4).toLowerCase()}@example.com.tw`);
		await manager.locator("#authorize-form").getByRole("button", { name: "授權" }).click();
		await manager.waitForURL((url) => url.searchParams.get("done") === "authorized");

		// The new clerk is at work in their own browser.
		const clerk = await h.newPage();
		await demoSignIn(clerk, idNo, person.name);

		// 註銷授權 asks: whom, in which unit, and what follows. 取消 changes nothing.
		const row = manager.locator(`#staff-list tr[data-id="${maskIdNo(idNo)}"]`);
		await row.getByRole("button", { name: "註銷授權" }).click();
		const dialog = manager.getByRole("alertdialog", { name: "確認註銷授權" });
		await dialog.waitFor();
		assert.match(await textOf(manager, "#revoke-confirm-text"), new RegExp(`^確定要註銷 ${person.name}（${maskIdNo(idNo).replace(/\*/g, "\\*")}）在「${UNIT} ${me.unitName}」的承辦人授權嗎？`));
		await dialog.getByRole("link", { name: "取消" }).click();
		await manager.locator(`#staff-list tr[data-id="${maskIdNo(idNo)}"]`).getByText("授權中").waitFor();
		await clerk.reload();
		await clerk.locator("main h1").getByText("健保卡註冊申請整批資料上傳", { exact: true }).waitFor();

		// Asked again and confirmed: revoked.
		await manager.locator(`#staff-list tr[data-id="${maskIdNo(idNo)}"]`).getByRole("button", { name: "註銷授權" }).click();
		await manager.getByRole("alertdialog", { name: "確認註銷授權" }).getByRole("button", { name: "確定註銷" }).click();
		await manager.waitForURL((url) => url.searchParams.get("done") === "revoked");
		await manager.locator(`#staff-list tr[data-id="${maskIdNo(idNo)}"]`).getByText("已註銷").waitFor();

		// The clerk's next step: signed out, and told why.
		h.expectConsoleError(/status of 401/);
		await clerk.locator("nav.side-menu").getByRole("link", { name: "健保卡註冊申請上傳紀錄查詢" }).click();
		await clerk.locator("#session-ended").waitFor();
		assert.match(await textOf(clerk, "#session-ended"), new RegExp(`^您在「${UNIT} ${me.unitName}」的承辦人授權已由單位管理者於.+註銷，登入狀態已失效。如有疑問，請洽貴單位的單位管理者。$`));
		await clerk.locator(".site-header").getByRole("link", { name: "登入" }).waitFor();
		// Said once: the next page is an ordinary signed-out page.
		await clerk.goto("/");
		assert.equal(await clerk.locator("#session-ended").count(), 0);
	});
});
