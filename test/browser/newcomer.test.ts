// What a newcomer following the README meets (issue 15 item 8): a terminal free of network errors on an
// offline machine, and, for the 自然人憑證 / 工商憑證 walk-through, the full demo ID number to type, shown on
// the reader helper's /virtual page next to each certificate card (nothing else on screen shows one).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { demoStaff } from "./fixtures.ts";
import { browserTest, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");

describe("a newcomer's first run", () => {
	test("wrangler dev started offline prints no getaddrinfo ENOTFOUND workers.cloudflare.com", () => {
		const logFile = process.env.WRANGLER_LOG;
		assert.ok(logFile, "WRANGLER_LOG is set by npm run test:browser");
		const log = readFileSync(logFile, "utf8");
		assert.match(log, /Ready on/, "the log is wrangler dev's");
		assert.doesNotMatch(log, /ENOTFOUND|Unable to fetch the `Request\.cf` object/);
	});

	browserTest("the helper's /virtual page shows the ID number to type with a 自然人憑證 and with a 工商憑證", browser, async (h) => {
		const clerk = demoStaff("clerk", "110001000", 1);
		const manager = demoStaff("manager", "110001000", 1);
		const page = await h.newPage();
		await page.goto(`${READER_URL}/virtual`);
		const row = (certId: string) => page.locator("tr").filter({ has: page.locator(`button[data-cert-id="${certId}"]`) });
		await row(`moica-${clerk.unitCode}-clerk1`).getByRole("cell", { name: clerk.idNo, exact: true }).waitFor();
		await row(`moeaca-${manager.unitCode}`).getByRole("cell", { name: manager.idNo, exact: true }).waitFor();
		await page.getByText("以憑證卡登入時，身分證號請輸入「示範身分證號」欄的號碼").waitFor();
	});
});
