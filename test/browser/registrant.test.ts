// The registrant's journey in a real browser (SPEC §6, seed 健保卡整批註冊-註冊申請人1/2 and 2/2): a clerk
// uploads, the registrant opens the verification mail in the development mailbox, follows its link,
// puts their NHI card into the runner's reader helper (virtual backend, READER_URL), 讀取, sets a 註冊密碼
// while the meter goes 弱 → 中 → 中強 → 強, 確定, and sees the seed's 網頁訊息; the completion mail follows.
// Also: another person's card, and an old link after 重寄認證信 (superseded). An *expired* link needs the
// clock 5 days on, which wrangler dev cannot do and production code gets no hook for: the expired page is
// tested in workerd instead (test/integration/verify-pages.test.ts).
import assert from "node:assert/strict";
import { describe } from "node:test";
import type { Page } from "playwright-core";
import { z } from "zod";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { batchFileName, demoData, excelBig5Csv, insuredMembers, type BatchRow } from "./fixtures.ts";
import { browserTest, PORTAL_URL, signInAs, textOf, useBrowser } from "./helpers.ts";

const browser = useBrowser();
const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
const UNIT = "110001000";
const VERIFY_TITLE = "健保卡網路服務註冊-電子信箱認證";
const CONFIRMED = "您已完成電子郵件信箱認證，歡迎開始使用本系統！";
/** After 入檔完畢 the batch's object opens the windows and mails the registrants; a few rows take seconds. */
const MAIL_TIMEOUT_MS = 60_000;

type Registrant = { idNo: string; name: string; email: string; cardNo: string };

/** The runner's reader helper: put a virtual card into its slot (as a person would on its /virtual page). */
async function insertCard(cardNo: string): Promise<void> {
	assert.ok(READER_URL, "READER_URL is set by npm run test:browser");
	const res = await fetch(`${READER_URL}/virtual/insert`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ cardNo }) });
	assert.equal(res.status, 200, await res.text());
}

async function removeCard(): Promise<void> {
	const res = await fetch(`${READER_URL}/virtual/remove`, { method: "POST" });
	assert.equal(res.status, 200);
}

/** Demo insured members of the big unit no other browser test registers (offsets from 100 on). */
function registrants(count: number, offset: number): Registrant[] {
	const data = demoData();
	return insuredMembers(UNIT, count, 100 + offset).map((idNo, i) => {
		const person = data.people.find((p) => p.idNo === idNo);
		const card = data.cards.find((c) => c.idNo === idNo && c.status === "active");
		assert.ok(person && card, `demo member ${maskIdNo(idNo)} has an active card`);
		return { idNo, name: person.name, email: `registrant${offset + i}.${idNo.slice(-4).toLowerCase()}@example.com.tw`, cardNo: card.cardNo };
	});
}

/** The clerk's upload of the registrants, through the form, until 入檔完畢. */
async function upload(page: Page, people: readonly Registrant[]): Promise<void> {
	await signInAs(page, "clerk", UNIT, 2);
	const rows: BatchRow[] = people.map((p, i) => ({ idNo: p.idNo, email: p.email, mobile: `09${String(22_345_670 + i)}` }));
	await page.locator("#file").setInputFiles({ name: batchFileName(UNIT), mimeType: "text/csv", buffer: excelBig5Csv(rows) });
	await page.getByRole("button", { name: "上傳" }).click();
	await page.waitForURL(/\/batches\/[A-Za-z0-9_-]{10,40}$/);
	await page.locator('#batch-progress[data-status="done"]').waitFor({ timeout: MAIL_TIMEOUT_MS });
}

const mailbox = z.object({ messages: z.array(z.object({ id: z.string(), subject: z.string(), text: z.string() })) });

/** Waits for a mail with `subject` to `email` in the development mailbox; its id. */
async function waitForMail(email: string, subject: string, after = 0): Promise<string> {
	const deadline = Date.now() + MAIL_TIMEOUT_MS;
	for (;;) {
		const res = await fetch(`${PORTAL_URL}/dev/mailbox.json?to=${encodeURIComponent(email)}`);
		const found = mailbox.parse(await res.json()).messages.filter((m) => m.subject === subject);
		const mail = found[found.length - 1 - after] && found.length > after ? found[0] : undefined;
		if (found.length > after && mail) return mail.id;
		assert.ok(Date.now() < deadline, `no 「${subject}」 mail to ${email} within ${MAIL_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/**
 * Opens the registrant's verification mail in /dev/mailbox and follows its 健保卡註冊認證作業 link, which
 * leads to this portal (the runner sets APP_ORIGIN to its own origin).
 */
async function followMailLink(page: Page, who: Registrant, after = 0): Promise<string> {
	const id = await waitForMail(who.email, "健保卡網路服務-註冊成功", after);
	await page.goto("/dev/mailbox");
	const row = page.locator("tbody tr").filter({ hasText: who.email }).filter({ hasText: "健保卡網路服務-註冊成功" });
	assert.ok((await row.count()) >= 1, "the verification mail is in the mailbox");
	await page.goto(`/dev/mailbox/${id}`);
	assert.match(await textOf(page, ".mail-text"), new RegExp(`^親愛的 ${who.name} 您好：`));
	const link = page.locator(".mail-links a").filter({ hasText: "/verify?ticket=" });
	const href = (await link.first().getAttribute("href")) ?? "";
	const url = new URL(href);
	assert.ok(!href.includes(who.idNo) && !href.includes(who.cardNo), "the link carries only the ticket");
	assert.equal(url.origin, PORTAL_URL, "the link leads to the portal that sent it");
	await link.first().click();
	await page.locator("main h1").getByText(VERIFY_TITLE, { exact: true }).waitFor();
	return `${url.pathname}${url.search}`;
}

/** 讀取 with `cardNo` in the reader: the name field shows the card holder. */
async function readCard(page: Page, cardNo: string, holder: string): Promise<void> {
	await insertCard(cardNo);
	// After a form POST the page is parsed before its deferred scripts run: wait for them.
	await page.waitForLoadState("load");
	await page.getByRole("button", { name: "讀取" }).click();
	await page.waitForFunction((name) => (document.getElementById("card-name") as HTMLInputElement | null)?.value === name, holder);
}

describe("健保卡網路服務註冊-電子信箱認證 in a browser", () => {
	browserTest("a registrant follows the mail's link, reads their card, watches the meter to 強, confirms and gets the completion mail", browser, async (h) => {
		const [who] = registrants(1, 0);
		assert.ok(who);
		await upload(await h.newPage(), [who]);

		const page = await h.newPage();
		const path = await followMailLink(page, who);
		// The seed's first screen: 系統訊息, 執行作業說明, *姓名 with 讀取, 確定 and 回登入頁; the password rows come after 讀取.
		const form = page.locator("#verify-form");
		for (const label of ["系統訊息", "執行作業說明", "*姓名", "注意事項"]) {
			assert.equal(await form.locator("th").getByText(label, { exact: true }).count(), 1, `row ${label}`);
		}
		assert.match(await textOf(page, "#verify-form"), /1\. 如您的電腦尚未進行健保卡註冊系統環境設定及安裝元件，請先至健保卡網路服務註冊頁面執行。(（環境說明）)? ?2\. 電腦連結晶片讀卡機及健保卡/);
		assert.match(await textOf(page, "#system-message"), /本認證信由「數美科技股份有限公司」為您申請/);
		assert.equal(await page.locator("#password").isVisible(), false, "the password rows wait for 讀取");
		await form.getByRole("link", { name: "回登入頁" }).waitFor();

		await removeCard();
		await page.getByRole("button", { name: "讀取" }).click();
		await page.locator("#system-message").getByText("請將健保卡插入讀卡機。").waitFor();

		await readCard(page, who.cardNo, who.name);
		await page.locator("#password").waitFor({ state: "visible" });
		assert.equal(await form.locator("th").getByText("*請輸入新的註冊密碼", { exact: true }).count(), 1);
		assert.match(await textOf(page, "#verify-form"), /註冊密碼長度必需6-12碼。/);
		assert.match(await textOf(page, "#verify-form"), /※強式密碼包含英文大寫、英文小寫、數字、特殊符號\(如-!@#%&\)混合並且長度8碼以上/);
		assert.deepEqual(await page.locator("#strength-meter .level").allTextContents(), ["弱", "中", "中強", "強"]);

		// Typed key by key, the meter follows the server's rules: under 6 characters the password breaks the
		// length rule and says so; from then on it climbs as the rules rate it. The words are announced.
		assert.equal(await page.locator("#strength-text").getAttribute("aria-live"), "polite");
		const seen: string[] = [];
		for (const key of "abcdef1A!") {
			await page.locator("#password").press(key);
			seen.push((await page.locator("#strength-meter").getAttribute("data-strength")) || (await textOf(page, "#strength-text")));
		}
		const tooShort = "不符合規則：註冊密碼長度必需6-12碼。";
		assert.deepEqual(seen, [tooShort, tooShort, tooShort, tooShort, tooShort, "弱", "中", "中強", "強"]);
		assert.equal(await page.locator("#strength-meter .level.on").count(), 4);
		assert.equal(await textOf(page, "#strength-text"), "密碼強度：強");
		assert.equal(await page.locator("#password").getAttribute("aria-invalid"), "false");

		// "a1" is not 中 but a rule failure; the field takes no 13th character (the rules' 12).
		await page.locator("#password").fill("a1");
		await page.locator("#password").dispatchEvent("input");
		assert.equal(await page.locator("#strength-meter").getAttribute("data-state"), "invalid");
		assert.equal(await page.locator("#strength-meter .level.on").count(), 0);
		assert.equal(await textOf(page, "#strength-text"), tooShort);
		assert.equal(await page.locator("#password").getAttribute("aria-invalid"), "true");
		assert.equal(await page.locator("#password").getAttribute("maxlength"), "12");
		await page.locator("#password").fill("");
		await page.locator("#password").pressSequentially("Abcdef1!ghijk");
		assert.equal(await page.locator("#password").inputValue(), "Abcdef1!ghij", "a 13th character cannot be typed");
		assert.equal(await textOf(page, "#strength-text"), "密碼強度：強");
		// A password that contains the registrant's ID number breaks a rule, whatever its classes.
		await page.locator("#password").fill(`${who.idNo.slice(0, 10)}a!`);
		await page.locator("#password").dispatchEvent("input");
		assert.equal(await textOf(page, "#strength-text"), "不符合規則：註冊密碼不可包含身分證號。");
		await page.locator("#password").fill("");
		await page.locator("#password").pressSequentially("abcdef1A!");

		// A mismatch is caught on the page before anything is sent.
		await page.locator("#password-confirm").fill("abcdef1A?");
		await page.getByRole("button", { name: "確定" }).click();
		await page.locator("#system-message.error").getByText("再次確認註冊密碼與新的註冊密碼不一致。").waitFor();
		assert.equal(await page.locator("#password-confirm").getAttribute("aria-invalid"), "true", "the mismatch is tied to its field");
		assert.equal(await page.locator("#password-confirm").getAttribute("aria-describedby"), "system-message");

		await page.locator("#password-confirm").fill("abcdef1A!");
		await page.getByRole("button", { name: "確定" }).click();
		const dialog = page.locator("#web-message");
		await dialog.waitFor();
		assert.equal(await textOf(page, "#web-message-title"), "網頁訊息");
		assert.equal(await textOf(page, "#web-message-text"), CONFIRMED);
		await dialog.getByRole("link", { name: "確定" }).click();
		await page.waitForURL("**/sign-in");

		const completion = await waitForMail(who.email, "健保卡網路服務-註冊完成");
		await page.goto(`/dev/mailbox/${completion}`);
		assert.match(await textOf(page, ".mail-text"), /歡迎開始使用本系統/);

		// The link is spent: opening it again says so, and offers no form.
		await page.goto(path);
		await page.locator("#system-message").getByText("本認證信連結已使用過").waitFor();
		assert.equal(await page.locator("#verify-form").count(), 0);
	});

	browserTest("another person's card is told at 讀取, before any password, and the passwords typed are kept for the right card", browser, async (h) => {
		const [who, other] = registrants(2, 1);
		assert.ok(who && other);
		await upload(await h.newPage(), [who, other]);

		const page = await h.newPage();
		await followMailLink(page, who);
		const wrongCard = async (): Promise<void> => {
			h.expectConsoleError(/status of 403/);
			await insertCard(other.cardNo);
			await page.waitForLoadState("load");
			await page.getByRole("button", { name: "讀取" }).click();
			await page.locator('#system-message[data-code="WRONG_CARD"]').waitFor();
			assert.match(await textOf(page, "#system-message"), /不是本認證信註冊者本人的健保卡，請插入您本人的健保卡後重新讀取/);
			assert.equal(await page.locator("#password").isVisible(), false, "no password rows for another person's card");
			assert.equal(await page.locator("#card-name").inputValue(), "", "the other person's card is not kept");
		};
		// Another person's card (a family member's, say): said at once.
		await wrongCard();

		// The registrant's own card: the password rows; the passwords typed.
		await readCard(page, who.cardNo, who.name);
		await page.locator("#password").fill("Nhi-2024ab");
		await page.locator("#password-confirm").fill("Nhi-2024ab");
		// The other card read again: told again, and the typed passwords wait in their fields.
		await wrongCard();
		await readCard(page, who.cardNo, who.name);
		assert.equal(await page.locator("#password").inputValue(), "Nhi-2024ab");
		assert.equal(await page.locator("#password-confirm").inputValue(), "Nhi-2024ab");
		await page.getByRole("button", { name: "確定" }).click();
		assert.equal(await textOf(page, "#web-message-text"), CONFIRMED);
	});

	browserTest("重寄認證信 to a corrected e-mail: the old link then says a newer mail was sent, and the new one works", browser, async (h) => {
		const [who] = registrants(1, 3);
		assert.ok(who);
		await upload(await h.newPage(), [who]);
		const page = await h.newPage();
		const oldPath = await followMailLink(page, who);

		await page.goto("/verify/resend");
		await page.locator("main h1").getByText("健保卡網路服務註冊-重寄認證信", { exact: true }).waitFor();
		await readCard(page, who.cardNo, who.name);
		await page.getByRole("button", { name: "查詢" }).click();
		await page.locator("#application").waitFor();
		assert.equal(await textOf(page, "#application-unit"), "數美科技股份有限公司");
		assert.equal(await textOf(page, "#application-status"), "待認證");
		assert.match(await textOf(page, "#application-email"), /^re\*\*\*@example\.com\.tw$/);
		assert.match(await textOf(page, "#application-deadline"), /^民國\d{3}年\d{2}月\d{2}日 \d{2}:\d{2}$/);

		const corrected: Registrant = { ...who, email: `fixed.${who.email}` };
		await page.locator("#email").fill(corrected.email);
		await page.waitForLoadState("load");
		await page.getByRole("button", { name: "重寄認證信" }).click();
		await page.locator('#system-message[data-code="SENT"]').waitFor();
		assert.match(await textOf(page, "#system-message"), /^認證信已重新寄至 fi\*\*\*@example\.com\.tw，/);

		// Asked again at once: the cooldown.
		await page.goto("/verify/resend");
		await page.getByRole("button", { name: "查詢" }).click();
		await page.locator("#application").waitFor();
		h.expectConsoleError(/status of 429/);
		await page.waitForLoadState("load");
		await page.getByRole("button", { name: "重寄認證信" }).click();
		await page.locator('#system-message[data-code="COOLDOWN"]').waitFor();

		await page.goto(oldPath);
		await page.locator("#system-message").getByText("已有較新的認證信寄出").waitFor();
		await page.locator("#resend-link").waitFor();

		await followMailLink(page, corrected);
		await readCard(page, who.cardNo, who.name);
		await page.locator("#password").fill("Nhi-2024ab");
		await page.locator("#password-confirm").fill("Nhi-2024ab");
		await page.getByRole("button", { name: "確定" }).click();
		assert.equal(await textOf(page, "#web-message-text"), CONFIRMED);
	});
});
