// Chrome's Local Network Access permission (issue 16 item 4): a page of a *public* site may call the
// reader helper on 127.0.0.1 only after the user allowed it. Here Chromium treats the portal as public
// (--ip-address-space-overrides=<portal host:port>=public; the portal itself still runs on loopback),
// so each request to the helper goes through that permission: granted, the card is read as usual;
// denied, the pages say the browser blocked it and how to allow it — not that the helper is not running.
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { demoData, demoStaff } from "./fixtures.ts";
import { browserTest, PORTAL_URL, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser([`--ip-address-space-overrides=${new URL(PORTAL_URL).host}=public`]);
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
/** What Chromium logs for each request the permission stops (and the failed load that follows). */
const BLOCKED = /Permission was denied for this request to access the `loopback` address space/;
const FAILED_LOAD = /Failed to load resource: net::ERR_FAILED/;

async function insertCard(cardNo: string): Promise<void> {
	const res = await fetch(`${READER_URL}/virtual/insert`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ cardNo }) });
	assert.equal(res.status, 200, await res.text());
}

/** Blocks the portal's access to the loopback address space in this page's browser context, as a user's 「封鎖」 does. */
async function denyLocalNetwork(page: Page): Promise<void> {
	const cdp = await page.context().newCDPSession(page);
	const { targetInfo } = await cdp.send("Target.getTargetInfo");
	const session = await page.context().browser()?.newBrowserCDPSession();
	assert.ok(session, "a browser-level CDP session");
	for (const name of ["loopback-network", "local-network"]) {
		await session.send("Browser.setPermission", { permission: { name }, setting: "denied", origin: PORTAL_URL, browserContextId: targetInfo.browserContextId });
	}
	await session.detach();
	await cdp.detach();
}

describe("Chrome's Local Network Access permission, with the portal as a public site", () => {
	browserTest("granted: the sign-in page reads the NHI card through the helper on 127.0.0.1", browser, async (h) => {
		const page = await h.newPage();
		await page.context().grantPermissions(["local-network-access"], { origin: PORTAL_URL });
		const clerk = demoStaff("clerk", "110001000", 1);
		const card = demoData().cards.find((c) => c.idNo === clerk.idNo && c.status === "active");
		assert.ok(card);
		await insertCard(card.cardNo);
		await page.goto("/sign-in");
		await page.locator("#sign-in-status").getByText("已偵測到健保卡").waitFor();
		await page.getByRole("button", { name: "讀取" }).click();
		await page.locator("#nhi-holder").getByText(clerk.name).waitFor();

		await page.goto("/environment");
		await page.locator('#reader-check-status[data-state="running"]').waitFor();
	});

	browserTest("denied: the pages say the browser blocked the helper and how to allow it, not that it is not running", browser, async (h) => {
		const page = await h.newPage();
		await denyLocalNetwork(page);
		for (let i = 0; i < 2; i++) {
			h.expectConsoleError(BLOCKED);
			h.expectConsoleError(FAILED_LOAD);
		}
		await page.goto("/sign-in");
		const status = page.locator("#sign-in-status");
		await status.getByText("瀏覽器已封鎖本網站連線到您電腦上的讀卡程式").waitFor();
		assert.doesNotMatch(await textOf(page, "#sign-in-status"), /未啟動/);
		assert.match(await textOf(page, "#sign-in-status"), /網站資訊圖示，將「區域網路存取」改為「允許」/);
		assert.equal(await status.getByRole("link", { name: "環境說明" }).getAttribute("href"), "/environment#local-network-access");

		await status.getByRole("link", { name: "環境說明" }).click();
		await page.locator('#reader-check-status[data-state="permission-denied"]').waitFor();
		assert.match(await textOf(page, "#reader-check-status"), /^瀏覽器已封鎖本網站連線到您電腦上的讀卡程式/);
		await page.locator("#allow-local-network").waitFor();
	});
});
