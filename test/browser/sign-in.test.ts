// 登入 in a real browser (SPEC §7, §8): the pages talk to the runner's own reader helper (virtual backend,
// READER_URL), whose card slot the tests fill through its /virtual/insert control. Each test signs in a
// different demo person, so that none depends on another (and no one is locked out).
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { DEMO_PASSWORD } from "../../scripts/demo-credentials.ts";
import { DEMO_PIN } from "../../scripts/dev-pki.ts";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { demoData, demoStaff, type DemoStaffMember } from "./fixtures.ts";
import { browserTest, PORTAL_URL, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
const NOT_RUNNING = "讀卡機元件未啟動，請執行 npm run reader（或安裝健保卡讀卡機元件）後重新整理本頁。";

/** The runner's reader helper: put a virtual card into its slot (as a person would on its /virtual page). */
async function insert(body: { cardNo: string } | { certId: string }): Promise<void> {
	assert.ok(READER_URL, "READER_URL is set by npm run test:browser");
	const res = await fetch(`${READER_URL}/virtual/insert`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
	assert.equal(res.status, 200, await res.text());
}

async function removeCard(): Promise<void> {
	const res = await fetch(`${READER_URL}/virtual/remove`, { method: "POST" });
	assert.equal(res.status, 200);
}

function activeCardOf(idNo: string): string {
	const card = demoData().cards.find((c) => c.idNo === idNo && c.status === "active");
	assert.ok(card, `demo person ${maskIdNo(idNo)} has an active card`);
	return card.cardNo;
}

/** The seed's virtual 自然人憑證 id of a staff member: moica-<unit>-<e-mail local part>. */
function moicaId(person: DemoStaffMember): string {
	return `moica-${person.unitCode}-${person.email.split("@")[0] ?? ""}`;
}

/** Signed in, staff land on the upload page (as 示範登入 does), not on the home page. */
async function expectSignedIn(page: Page, person: DemoStaffMember): Promise<void> {
	await page.waitForURL((url) => url.pathname === "/batches/new");
	await page.locator("main h1").getByText("健保卡註冊申請整批資料上傳", { exact: true }).waitFor();
	await page.locator(".site-header").getByText(`${person.name} 您好`).waitFor();
}

async function signInWithCard(page: Page, person: DemoStaffMember, base = ""): Promise<void> {
	await insert({ cardNo: activeCardOf(person.idNo) });
	await page.goto(`${base}/sign-in`);
	await page.locator("#sign-in-status").getByText("已偵測到健保卡").waitFor();
	await page.getByRole("button", { name: "讀取" }).click();
	await page.locator("#nhi-holder").getByText(person.name).waitFor();
	assert.equal(await textOf(page, "#nhi-holder"), `${person.name}（${maskIdNo(person.idNo)}）`);
	await page.locator("#password").fill(DEMO_PASSWORD);
	await page.locator("#nhi-submit").click();
	await expectSignedIn(page, person);
}

describe("登入 in a browser", () => {
	browserTest("a clerk signs in with their NHI card and the demo 註冊密碼", browser, async (h) => {
		const page = await h.newPage();
		const clerk = demoStaff("clerk", "110001000", 1);
		await removeCard();
		await page.goto("/sign-in");
		await page.locator("#sign-in-status").getByText("請將健保卡插入讀卡機。").waitFor();

		await signInWithCard(page, clerk);
		// Signed in: the menu offers the clerk's work and 通行金鑰, not 授權管理.
		const menu = page.locator("nav.side-menu");
		await menu.getByRole("link", { name: "通行金鑰" }).waitFor();
		assert.equal(await menu.getByRole("link", { name: "授權管理" }).count(), 0);
		await page.goto("/batches/new");
		await page.locator("main h1").getByText("健保卡註冊申請整批資料上傳").waitFor();
	});

	browserTest("a clerk signs in with a 自然人憑證 and its PIN, which never reaches the portal", browser, async (h) => {
		const page = await h.newPage();
		const clerk = demoStaff("clerk", "120000000", 2);
		const portalBodies: string[] = [];
		page.on("request", (req) => {
			if (req.url().startsWith(PORTAL_URL)) portalBodies.push(`${req.url()} ${req.postData() ?? ""}`);
		});
		await insert({ certId: moicaId(clerk) });
		await page.goto("/sign-in?method=moica");
		await page.locator("#sign-in-status").getByText("已偵測到憑證卡").waitFor();
		await page.locator("#moica-id-no").fill(clerk.idNo);
		await page.locator("#moica-pin").fill(DEMO_PIN);
		await page.locator("#moica-submit").click();
		await expectSignedIn(page, clerk);

		const posts = portalBodies.filter((b) => b.includes("/sign-in/"));
		assert.ok(posts.some((b) => b.includes("/sign-in/moica")), "the form was posted to the portal");
		for (const body of portalBodies) assert.ok(!body.includes(DEMO_PIN), `no PIN in ${body.slice(0, 80)}…`);
	});

	browserTest("a unit manager signs in with the unit's 工商憑證 and finds 授權管理", browser, async (h) => {
		const page = await h.newPage();
		const manager = demoStaff("manager", "133397421", 1);
		await insert({ certId: `moeaca-${manager.unitCode}` });
		await page.goto("/sign-in?method=moeaca");
		await page.locator("#sign-in-status").getByText("已偵測到憑證卡").waitFor();
		await page.locator("#moeaca-id-no").fill(manager.idNo);
		await page.locator("#moeaca-pin").fill(DEMO_PIN);
		await page.locator("#moeaca-submit").click();
		await expectSignedIn(page, manager);

		await page.locator("nav.side-menu").getByRole("link", { name: "授權管理" }).click();
		await page.locator("main h1").getByText("授權管理", { exact: true }).waitFor();
		assert.match(await textOf(page, "#staff"), new RegExp(`投保單位：${manager.unitCode}`));
		const clerk = demoStaff("clerk", manager.unitCode, 1);
		await page.locator("#staff-list tr", { hasText: maskIdNo(clerk.idNo) }).waitFor();
	});

	browserTest("a clerk binds a passkey after a card sign-in, then signs in with it alone", browser, async (h) => {
		// WebAuthn refuses an IP address as the relying party: this test uses the portal by host name.
		const base = PORTAL_URL.replace("127.0.0.1", "localhost");
		const page = await h.newPage();
		const cdp = await page.context().newCDPSession(page);
		await cdp.send("WebAuthn.enable", { enableUI: false });
		await cdp.send("WebAuthn.addVirtualAuthenticator", {
			options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
		});
		const clerk = demoStaff("clerk", "133397421", 2);
		await signInWithCard(page, clerk, base);

		await page.locator("nav.side-menu").getByRole("link", { name: "通行金鑰" }).click();
		await page.locator("main h1").getByText("通行金鑰", { exact: true }).waitFor();
		await page.locator("#passkey-label").fill("測試用筆電");
		await page.locator("#passkey-bind").click();
		await page.waitForURL((url) => url.search === "?done=bound");
		await page.locator("#passkey-list").getByText("測試用筆電").waitFor();

		await page.locator(".site-header").getByRole("button", { name: "登出" }).click();
		await page.waitForURL((url) => url.pathname === "/");
		await page.locator(".site-header").getByRole("link", { name: "登入" }).waitFor();
		await page.goto(`${base}/sign-in?method=passkey`);
		await page.getByRole("button", { name: "使用通行金鑰登入" }).click();
		await expectSignedIn(page, clerk);
	});

	browserTest("after a wrong 註冊密碼 the card stays read: the person only types the password again", browser, async (h) => {
		const page = await h.newPage();
		const clerk = demoStaff("clerk", "120000000", 1);
		await insert({ cardNo: activeCardOf(clerk.idNo) });
		await page.goto("/sign-in");
		await page.getByRole("button", { name: "讀取" }).click();
		await page.locator("#nhi-holder").getByText(clerk.name).waitFor();
		await page.locator("#password").fill(`${DEMO_PASSWORD}x`);
		h.expectConsoleError(/status of 401/);
		await page.locator("#nhi-submit").click();
		await page.locator('#sign-in-error[data-code="WRONG_PASSWORD"]').waitFor();
		assert.match(await textOf(page, "#sign-in-error"), /^註冊密碼錯誤，請重新輸入（再錯 \d 次將鎖定帳號 15 分鐘）。$/);
		// The error belongs to the password field.
		assert.equal(await page.locator("#password").getAttribute("aria-invalid"), "true");
		assert.equal(await page.locator("#password").getAttribute("aria-describedby"), "sign-in-error");

		// Without 讀取: the page has read the card again by itself.
		await page.locator("#nhi-holder").getByText(clerk.name).waitFor();
		assert.equal(await textOf(page, "#nhi-holder"), `${clerk.name}（${maskIdNo(clerk.idNo)}）`);
		assert.equal(await textOf(page, "#sign-in-status"), "已重新讀取健保卡，請重新輸入註冊密碼後按「登入」。");
		const challenges: string[] = [];
		page.on("request", (req) => {
			if (req.url().endsWith("/sign-in/challenge")) challenges.push(req.url());
		});
		await page.locator("#password").fill(DEMO_PASSWORD);
		await page.locator("#nhi-submit").click();
		await expectSignedIn(page, clerk);
		assert.deepEqual(challenges, [], "the answer read on opening was used: no new read at 登入");
	});

	browserTest("says so when the reader helper is not running, and how to start it", browser, async (h) => {
		// Chromium logs each refused connection: one for the check on opening, one for 讀取.
		h.expectConsoleError(/ERR_CONNECTION_REFUSED/);
		h.expectConsoleError(/ERR_CONNECTION_REFUSED/);
		const page = await h.newPage();
		// Nothing answers at READER_URL for this page, as when the helper is not started. (The page's CSP
		// allows only READER_URL's origin, so pointing the page at another, dead port would test the CSP.)
		await page.route(`${READER_URL}/**`, (route) => route.abort("connectionrefused"));
		await page.goto("/sign-in");
		await page.locator("#sign-in-status").getByText(NOT_RUNNING).waitFor();
		await page.getByRole("button", { name: "讀取" }).click();
		await page.locator("#sign-in-status").getByText(NOT_RUNNING).waitFor();
	});
});
