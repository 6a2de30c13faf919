// 環境說明 and the way to it, in a real browser (issue 15 items 1 and 2, SPEC §8): the 環境說明 page
// (/environment) says how to install and start the local reader helper on each OS, on which port, and
// asks the helper whether it answers — again on 重新檢查, e.g. once the helper has been started; every
// "讀卡機元件未啟動" message outside development links to it instead of the developers' `npm run
// reader`; and 重寄認證信 is found from the sign-in page, the home page, the menu and a fresh /verify.
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { VirtualBackend } from "../../reader/backends/virtual.ts";
import { startReaderServer } from "../../reader/server.ts";
import { freePort } from "../../scripts/lib/wrangler-dev.ts";
import { browserTest, PORTAL_URL, pointReaderAt, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
const ENVIRONMENT_TITLE = "健保卡網路服務註冊-環境說明";
const RESEND_TITLE = "健保卡網路服務註冊-重寄認證信";
/** Where the README's screenshots go (UPDATE_SCREENSHOTS=1), else next to the other test output. */
const SHOTS_DIR = path.resolve(import.meta.dirname, "..", "..", ...(process.env.UPDATE_SCREENSHOTS === "1" ? ["docs"] : ["test-results", "browser", "screens"]));

async function shot(page: Page, name: string): Promise<void> {
	mkdirSync(SHOTS_DIR, { recursive: true });
	await page.screenshot({ path: path.join(SHOTS_DIR, `${name}.png`), fullPage: true });
}

/** The page as production serves it: no data-environment="development" on <body> when its scripts run. */
async function asProduction(page: Page): Promise<void> {
	await page.addInitScript(() => {
		new MutationObserver((_, observer) => {
			if (!document.body) return;
			delete document.body.dataset.environment;
			observer.disconnect();
		}).observe(document, { childList: true, subtree: true });
	});
}

describe("環境說明 and 重寄認證信 in a browser", () => {
	browserTest("環境說明 says how to install and start the reader helper on each OS, its port, and finds it running", browser, async (h) => {
		const page = await h.newPage();
		await page.setViewportSize({ width: 1280, height: 800 });
		await page.goto("/environment");
		await page.locator("main h1").getByText(ENVIRONMENT_TITLE, { exact: true }).waitFor();
		for (const os of ["Windows 10 / 11", "macOS 13 以上", "Linux（Debian / Ubuntu）"]) {
			await page.getByRole("heading", { name: os, exact: true }).waitFor();
		}
		const port = new URL(READER_URL).port;
		assert.equal(await textOf(page, "#reader-port"), port);
		assert.equal(await textOf(page, "#portal-origin"), PORTAL_URL, "the helper must allow this very portal");
		const commands = await page.locator("pre.command").allTextContents();
		assert.equal(commands.length, 3, "one start command per OS");
		for (const command of commands) assert.match(command, new RegExp(`npm run reader -- .*--port ${port} --allow-origin ${PORTAL_URL.replace(/[.]/g, "\\.")}`));
		assert.match(await textOf(page, "#allow-local-network"), /網站設定.*區域網路存取.*允許/);
		// The runner's helper answers: the page says so by itself on opening.
		await page.locator('#reader-check-status[data-state="running"]').waitFor();
		assert.match(await textOf(page, "#reader-check-status"), /^讀卡程式已啟動/);
		await shot(page, "11-environment");
	});

	browserTest("環境說明's 重新檢查 finds the reader helper once it has been started", browser, async (h) => {
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		h.expectConsoleError(/ERR_CONNECTION_REFUSED/);
		const page = await h.newPage();
		await pointReaderAt(page, "environment", url);
		await page.goto("/environment");
		await page.locator('#reader-check-status[data-state="not-running"]').waitFor();

		// The person starts the helper (here: a real one, with an empty virtual reader) and checks again.
		const helper = await startReaderServer({ backend: new VirtualBackend(new Map(), new Map()), allowedOrigins: [PORTAL_URL], port });
		try {
			await page.getByRole("button", { name: "重新檢查" }).click();
			await page.locator('#reader-check-status[data-state="running"]').waitFor();
			assert.equal(await textOf(page, "#reader-check-status"), "讀卡程式已啟動，可正常連線。已偵測到讀卡機，尚未插入卡片。");
		} finally {
			await helper.close();
		}
	});

	browserTest("outside development, 讀卡機元件未啟動 links to 環境說明 instead of telling the user to run npm", browser, async (h) => {
		const dead = `http://127.0.0.1:${await freePort()}`;
		h.expectConsoleError(/ERR_CONNECTION_REFUSED/);
		const page = await h.newPage();
		await asProduction(page);
		await pointReaderAt(page, "sign-in", dead);
		await page.goto("/sign-in");
		const status = page.locator("#sign-in-status");
		await status.getByText("讀卡機元件未啟動").waitFor();
		assert.doesNotMatch(await textOf(page, "#sign-in-status"), /npm/);
		assert.equal(await textOf(page, "#sign-in-status"), "讀卡機元件未啟動，請依環境說明下載、安裝並啟動讀卡程式後，重新整理本頁。");
		await status.getByRole("link", { name: "環境說明" }).click();
		await page.locator("main h1").getByText(ENVIRONMENT_TITLE, { exact: true }).waitFor();

		// In development the hint names the npm script, as before.
		h.expectConsoleError(/ERR_CONNECTION_REFUSED/);
		const dev = await h.newPage();
		await pointReaderAt(dev, "sign-in", dead);
		await dev.goto("/sign-in");
		await dev.locator("#sign-in-status").getByText("讀卡機元件未啟動，請執行 npm run reader").waitFor();
	});

	browserTest("重寄認證信 is linked from the sign-in page, the home page, the menu and a fresh /verify page", browser, async (h) => {
		const page = await h.newPage();
		const resendFrom = async (where: string, scope: string): Promise<void> => {
			await page.goto(where);
			await page.locator(scope).getByRole("link", { name: "重寄認證信" }).first().click();
			await page.locator("main h1").getByText(RESEND_TITLE, { exact: true }).waitFor();
		};
		await resendFrom("/sign-in", "main");
		await resendFrom("/", "main");
		await resendFrom("/rules", "nav.side-menu");

		// /verify without a ticket: no error about a broken link, but where to go instead.
		const fresh = await page.goto("/verify");
		assert.equal(fresh?.status(), 200);
		await page.locator("main h1").getByText("健保卡網路服務註冊-電子信箱認證", { exact: true }).waitFor();
		assert.match(await textOf(page, "#system-message"), /請由認證信中的連結進入本頁/);
		assert.equal(await page.locator("#system-message.error").count(), 0);
		await page.locator("main").getByRole("link", { name: "環境說明" }).first().waitFor();
		await resendFrom("/verify", "main");
		// The menu also leads to 環境說明.
		await page.locator("nav.side-menu").getByRole("link", { name: "環境說明" }).click();
		await page.locator("main h1").getByText(ENVIRONMENT_TITLE, { exact: true }).waitFor();
	});
});
