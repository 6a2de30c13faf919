// The registrant's pages through the Worker's fetch (SPEC §6): 健保卡網路服務註冊-電子信箱認證 at
// GET/POST /verify and 重寄認證信 at /verify/resend, as a browser uses them — the pre-session cookie
// from the GET, a challenge from POST /verify/challenge, the card's signature made here with the card's
// key (what the reader helper would answer), then the form POST.
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, credentials, mailOutbox, people, registrations, verificationTickets } from "../../schema/d1.ts";
import { CONFIRM_MESSAGES, CONFIRMED_MESSAGE } from "../../workers/services/verification-confirm.ts";
import { COMPLETION_MAIL_SUBJECT, VERIFICATION_MAIL_SUBJECT } from "../../workers/services/verification-mail.ts";
import { RESEND_MESSAGES, requestResend } from "../../workers/services/verification-resend.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, request, runBatchToEnd, signIn, testDb, uploadFile, type TestSession } from "../fixtures/index.ts";
import { signCardChallenge, type TestCardKey } from "../fixtures/pki.ts";
import { giveCard } from "../fixtures/sign-in.ts";

const db = testDb();
/** The origin fixtures' request() gives every request: what the card signs. */
const ORIGIN = "https://portal.test";
const PASSWORD = "Nhi-2024ab";

type Member = { idNo: string; email: string; card: TestCardKey; cardNo: string };

/** A unit with a clerk and `n` insured members, each with a card in the registry. */
async function unitWithMembers(n: number) {
	const unit = await makeUnit(db, { name: "數美科技股份有限公司" });
	const clerk = await makeStaff(db, unit.code, "clerk");
	const session = await signIn(db, clerk.idNo);
	const members: Member[] = [];
	for (let i = 0; i < n; i++) {
		const idNo = freshIdNo();
		await db.insert(people).values({ idNo, name: `林註冊${i}`, birthDate: "1990-03-05", email: null, createdAt: Date.now() });
		const { key: card, cardNo } = await giveCard(db, idNo);
		members.push({ idNo, email: `${idNo.toLowerCase()}@example.com.tw`, card, cardNo });
	}
	await enroll(
		db,
		unit.code,
		members.map((m) => m.idNo),
	);
	return { unit, clerk, session, members };
}

/** Uploads the members and runs the batch through its verify step; each then has a verification mail. */
async function registered(n: number) {
	const ctx = await unitWithMembers(n);
	const lines = ctx.members.map((m) => `${m.idNo},${m.email},0912345678,`);
	const { batchId } = await uploadFile(ctx.session, ctx.unit.code, batchFileName(ctx.unit.code), lines.join("\r\n"));
	if (!batchId) throw new Error("upload refused");
	await runBatchToEnd(batchId);
	return { ...ctx, batchId };
}

async function mailsTo(email: string) {
	return db.select().from(mailOutbox).where(like(mailOutbox.to, `%${email}%`)).orderBy(mailOutbox.createdAt).all();
}

function ticketIn(text: string): string {
	const m = /\/verify\?ticket=([A-Za-z0-9_-]+)/.exec(text);
	if (!m?.[1]) throw new Error("no verification link in the mail");
	return m[1];
}

async function ticketOf(email: string): Promise<string> {
	const last = (await mailsTo(email)).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT).at(-1);
	if (!last) throw new Error(`no verification mail to ${email}`);
	return ticketIn(last.text);
}

async function registrationOf(idNo: string) {
	const r = await db.select().from(registrations).where(eq(registrations.idNo, idNo)).get();
	if (!r) throw new Error("no registration");
	return r;
}

const unescapeHtml = (s: string) => s.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
/** The page's text, tags dropped and entities decoded, white space collapsed. */
const textOf = (html: string) => unescapeHtml(html.replace(/<[^>]+>/g, " ")).replace(/\s+/g, " ");

/**
 * One browser: its cookies (the `__Host-pre` pre-session, or a signed-in session) and the CSRF token of
 * the page it last opened, which its POSTs send back as the page's script and forms do.
 */
class Browser {
	#cookies = new Map<string, string>();
	csrf = "";

	constructor(session?: TestSession) {
		if (session) {
			const [name = "", value = ""] = session.cookie.split("=");
			this.#cookies.set(name, value);
		}
	}

	get cookie(): string {
		return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; ");
	}

	#keep(res: Response): void {
		for (const line of res.headers.getSetCookie()) {
			const [pair = ""] = line.split(";");
			const at = pair.indexOf("=");
			this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
		}
	}

	async get(path: string): Promise<{ res: Response; html: string }> {
		const res = await request(path, { headers: { Cookie: this.cookie } });
		this.#keep(res);
		const html = await res.text();
		const csrf = /data-csrf="([^"]+)"/.exec(html)?.[1];
		if (csrf) this.csrf = csrf;
		return { res, html };
	}

	async post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ res: Response; html: string }> {
		const body = new URLSearchParams({ _csrf: this.csrf, ...fields });
		const res = await request(path, { method: "POST", body, headers: { Cookie: this.cookie, ...headers } });
		this.#keep(res);
		return { res, html: await res.text() };
	}

	async challenge(headers: Record<string, string> = {}): Promise<Response> {
		return request("/verify/challenge", {
			method: "POST",
			body: JSON.stringify({ purpose: "registrant-card" }),
			headers: { Cookie: this.cookie, "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": this.csrf, ...headers },
		});
	}

	/** 讀取: a challenge for this browser, answered by `card` as the reader helper would. */
	async readCard(card: Pick<Member, "card" | "cardNo">): Promise<{ challengeId: string; cardNo: string; signature: string }> {
		const res = await this.challenge();
		expect(res.status).toBe(200);
		const issued: { challengeId: string; challenge: string } = await res.json();
		return { challengeId: issued.challengeId, cardNo: card.cardNo, signature: await signCardChallenge(card.card, ORIGIN, issued.challenge, card.cardNo) };
	}

	/** 確定 on the verification page: card proof, password and its confirmation, the ticket from the page. */
	async confirm(ticket: string, card: Pick<Member, "card" | "cardNo">, password = PASSWORD, passwordConfirm = password) {
		return this.post("/verify", { ticket, ...(await this.readCard(card)), password, passwordConfirm });
	}
}

describe("健保卡網路服務註冊-電子信箱認證: GET /verify", () => {
	it("shows the seed's page and spends nothing: two GETs (a mail scanner, then the registrant), then 確定 confirms", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const ticket = await ticketOf(member.email);
		const reg = await registrationOf(member.idNo);

		const scanner = new Browser();
		expect((await scanner.get(`/verify?ticket=${ticket}`)).res.status).toBe(200);
		const browser = new Browser();
		const { res, html } = await browser.get(`/verify?ticket=${ticket}`);
		expect(res.status).toBe(200);
		expect(res.headers.get("Cache-Control")).toBe("no-store");
		expect(res.headers.get("Referrer-Policy")).toBe("same-origin");
		expect(res.headers.getSetCookie().some((c) => /^__Host-pre=.+; .*HttpOnly.*Secure/i.test(c))).toBe(true);

		const text = textOf(html);
		expect(text).toContain("健保卡網路服務註冊-電子信箱認證");
		for (const piece of [
			"系統訊息",
			"執行作業說明",
			"如您的電腦尚未進行健保卡註冊系統環境設定及安裝元件，請先至健保卡網路服務註冊頁面執行。",
			"電腦連結晶片讀卡機及健保卡",
			"*姓名",
			"讀取",
			"請晶片讀卡機插入健保卡後，按「讀取」驗證健保卡",
			"*請輸入新的註冊密碼",
			"註冊密碼長度必需6-12碼。",
			"弱 中 中強 強",
			"再次確認註冊密碼",
			"※強式密碼包含英文大寫、英文小寫、數字、特殊符號(如-!@#%&)混合並且長度8碼以上",
			"注意事項",
			"若您已認證行動裝置，此密碼會同步變更「健保快易通」登入註冊密碼。",
			"確定",
			"回登入頁",
			"本認證信由「數美科技股份有限公司」為您申請",
		]) {
			expect(text).toContain(piece);
		}
		expect(html).toMatch(/<a class="button" href="\/sign-in">\s*回登入頁\s*<\/a>/);
		expect(html).toContain('<script src="/js/reader-client.js" defer=""></script>');
		expect(html).toContain('<script src="/js/verify.js" defer=""></script>');
		expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
		// The ticket is in the form body only: in no link or form action, and the ID is nowhere.
		expect(html).toContain(`<input type="hidden" name="ticket" value="${ticket}"/>`);
		expect(html).toContain('<form method="post" action="/verify" id="verify-form"');
		for (const m of html.matchAll(/(?:href|action|src)="([^"]*)"/g)) expect(m[1]).not.toContain(ticket);
		expect(html).not.toContain(member.idNo);

		// Nothing changed by either GET.
		expect((await registrationOf(member.idNo)).status).toBe("pending");
		expect((await db.select().from(verificationTickets).where(eq(verificationTickets.registrationId, reg.id)).get())?.spentAt).toBeNull();
		expect(await db.select().from(auditLog).where(eq(auditLog.target, reg.id)).all()).toEqual([]);

		const done = await browser.confirm(ticket, member);
		expect(done.res.status).toBe(200);
		expect(textOf(done.html)).toContain("網頁訊息");
		expect(textOf(done.html)).toContain(CONFIRMED_MESSAGE);
		expect(done.html).toMatch(/<a class="button" href="\/sign-in" id="web-message-ok">\s*確定\s*<\/a>/);
		expect((await registrationOf(member.idNo)).status).toBe("verified");
		expect((await mailsTo(member.email)).filter((m) => m.subject === COMPLETION_MAIL_SUBJECT)).toHaveLength(1);
	});

	it("answers a scanner's GET of an expired, a spent, a superseded and an unknown link with its text, and sets no cookie", async () => {
		const { members } = await registered(3);
		const [expiring, spending, superseding] = members as [Member, Member, Member];
		const expired = await ticketOf(expiring.email);
		const reg = await registrationOf(expiring.idNo);
		await db
			.update(verificationTickets)
			.set({ expiresAt: Date.now() - 1_000 })
			.where(and(eq(verificationTickets.registrationId, reg.id), eq(verificationTickets.generation, reg.generation)));
		const spent = await ticketOf(spending.email);
		expect((await new Browser().get(`/verify?ticket=${spent}`)).res.status).toBe(200);
		const registrant = new Browser();
		await registrant.get(`/verify?ticket=${spent}`);
		expect((await registrant.confirm(spent, spending)).res.status).toBe(200);
		const superseded = await ticketOf(superseding.email);
		expect(await requestResend(env, db, { idNo: superseding.idNo })).toMatchObject({ ok: true });

		const cases = [
			[expired, "expired", CONFIRM_MESSAGES.TICKET_EXPIRED, true],
			[spent, "spent", CONFIRM_MESSAGES.TICKET_SPENT, false],
			[superseded, "superseded", CONFIRM_MESSAGES.TICKET_SUPERSEDED, true],
			["no-such-ticket-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "unknown", CONFIRM_MESSAGES.TICKET_UNKNOWN, true],
			// The page opened without a link: where to go instead, 重寄認證信 among it.
			["", "start", "請由認證信中的連結進入本頁", true],
		] as const;
		for (const [ticket, state, message, offersResend] of cases) {
			const { res, html } = await new Browser().get(`/verify?ticket=${ticket}`);
			expect(res.status, state).toBe(200);
			expect(res.headers.getSetCookie(), state).toEqual([]);
			expect(html).toContain(`data-state="${state}"`);
			expect(textOf(html)).toContain(message);
			expect(html).not.toContain('id="verify-form"');
			// The menu links 重寄認證信 on every page; the page's own offer is its button.
			expect(html.includes('id="resend-link"'), state).toBe(offersResend);
		}
		expect(CONFIRM_MESSAGES.TICKET_EXPIRED).toContain("重寄認證信");
		expect(CONFIRM_MESSAGES.TICKET_SUPERSEDED).toContain("已有較新的認證信");
		// The scanners changed nothing: the expired link's registration is still pending, not confirmed.
		expect((await registrationOf(expiring.idNo)).status).toBe("pending");
		expect((await registrationOf(superseding.idNo)).status).toBe("pending");
	});
});

describe("健保卡網路服務註冊-電子信箱認證: 確定 (POST /verify)", () => {
	it("refuses another person's card, a mismatch and a password that breaks the rules, each on the page; then the right card confirms", async () => {
		const { members } = await registered(2);
		const [member, other] = members as [Member, Member];
		const ticket = await ticketOf(member.email);
		const browser = new Browser();
		await browser.get(`/verify?ticket=${ticket}`);

		const wrongCard = await browser.confirm(ticket, other);
		expect(wrongCard.res.status).toBe(403);
		expect(wrongCard.html).toContain('data-code="WRONG_CARD"');
		expect(textOf(wrongCard.html)).toContain(CONFIRM_MESSAGES.WRONG_CARD);
		expect(wrongCard.html).toContain('id="verify-form"');

		const mismatch = await browser.confirm(ticket, member, PASSWORD, "Other-2024x");
		expect(mismatch.res.status).toBe(422);
		expect(textOf(mismatch.html)).toContain("再次確認註冊密碼與新的註冊密碼不一致。");

		const rules = await browser.confirm(ticket, member, "19900305a b");
		expect(rules.res.status).toBe(422);
		expect(rules.html).toContain('data-code="PASSWORD_RULES"');
		expect(textOf(rules.html)).toContain("註冊密碼不可包含空白及 < > ' \" 等字元。註冊密碼不可包含出生日期。");

		const noCard = await browser.post("/verify", { ticket, challengeId: "", cardNo: "", signature: "", password: PASSWORD, passwordConfirm: PASSWORD });
		expect(noCard.res.status).toBe(403);
		expect(textOf(noCard.html)).toContain("請先將健保卡插入晶片讀卡機，並按「讀取」驗證健保卡。");

		expect((await registrationOf(member.idNo)).status).toBe("pending");
		const ok = await browser.confirm(ticket, member);
		expect(ok.res.status).toBe(200);
		expect(textOf(ok.html)).toContain(CONFIRMED_MESSAGE);
	});

	it("refuses a replayed POST, the same form again or with a fresh card reading, and keeps the first password", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const ticket = await ticketOf(member.email);
		const browser = new Browser();
		await browser.get(`/verify?ticket=${ticket}`);
		const fields = { ticket, ...(await browser.readCard(member)), password: PASSWORD, passwordConfirm: PASSWORD };
		expect((await browser.post("/verify", fields)).res.status).toBe(200);
		const stored = (await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get())?.passwordHash;

		const replay = await browser.post("/verify", fields);
		expect(replay.res.status).toBe(409);
		expect(textOf(replay.html)).toContain(CONFIRM_MESSAGES.TICKET_SPENT);
		expect(replay.html).toContain('data-state="spent"');
		const again = await browser.confirm(ticket, member, "Another-2024");
		expect(again.res.status).toBe(409);
		expect((await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get())?.passwordHash).toBe(stored);
		expect((await mailsTo(member.email)).filter((m) => m.subject === COMPLETION_MAIL_SUBJECT)).toHaveLength(1);
	});

	it("lets exactly one of several tabs confirming at once win; the others are told the link is used", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const ticket = await ticketOf(member.email);
		const tabs = [new Browser(), new Browser(), new Browser()];
		for (const tab of tabs) await tab.get(`/verify?ticket=${ticket}`);
		const forms = await Promise.all(tabs.map(async (tab, i) => ({ tab, fields: { ticket, ...(await tab.readCard(member)), password: `Tab${i}-2024ab`, passwordConfirm: `Tab${i}-2024ab` } })));
		const answers = await Promise.all(forms.map(({ tab, fields }) => tab.post("/verify", fields)));
		const statuses = answers.map((a) => a.res.status).sort();
		expect(statuses).toEqual([200, 409, 409]);
		for (const a of answers.filter((x) => x.res.status === 409)) {
			const text = textOf(a.html);
			expect(text.includes(CONFIRM_MESSAGES.ALREADY_CONFIRMED) || text.includes(CONFIRM_MESSAGES.TICKET_SPENT)).toBe(true);
		}
		expect((await mailsTo(member.email)).filter((m) => m.subject === COMPLETION_MAIL_SUBJECT)).toHaveLength(1);
	});

	it("works for a browser where someone is signed in: the session binds the challenge and its token guards the POSTs", async () => {
		const { members, session } = await registered(1);
		const member = members[0] as Member;
		const ticket = await ticketOf(member.email);
		const browser = new Browser(session);
		const { res } = await browser.get(`/verify?ticket=${ticket}`);
		expect(res.headers.getSetCookie()).toEqual([]);
		expect(browser.csrf).toBe(session.csrf);
		expect((await browser.confirm(ticket, member)).res.status).toBe(200);
	});
});

describe("CSRF and browser binding on the registrant's POSTs", () => {
	it("refuses another site's POST, a POST without the page's token or cookie, and a challenge fetched by another browser", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const ticket = await ticketOf(member.email);
		const browser = new Browser();
		await browser.get(`/verify?ticket=${ticket}`);
		const fields = { ticket, ...(await browser.readCard(member)), password: PASSWORD, passwordConfirm: PASSWORD };

		expect((await browser.post("/verify", fields, { Origin: "https://evil.example" })).res.status).toBe(403);
		expect((await browser.post("/verify", fields, { "Sec-Fetch-Site": "cross-site" })).res.status).toBe(403);
		expect((await browser.post("/verify", { ...fields, _csrf: "forged" })).res.status).toBe(403);
		const noCookie = await request("/verify", { method: "POST", body: new URLSearchParams({ _csrf: browser.csrf, ...fields }) });
		expect(noCookie.status).toBe(403);
		expect(textOf(await noCookie.text())).toContain("認證頁面已逾時");
		expect((await browser.challenge({ "X-CSRF-Token": "forged" })).status).toBe(403);
		expect((await browser.challenge({ Origin: "https://evil.example" })).status).toBe(403);

		// A challenge another browser fetched (a relayed one) does not count here.
		const elsewhere = new Browser();
		await elsewhere.get(`/verify?ticket=${ticket}`);
		const relayed = await elsewhere.readCard(member);
		const refused = await browser.post("/verify", { ...fields, ...relayed });
		expect(refused.res.status).toBe(403);
		expect(refused.html).toContain('data-code="CARD_PROOF_FAILED"');
		expect((await registrationOf(member.idNo)).status).toBe("pending");

		// The card proof signed for another origin is refused too.
		const res = await browser.challenge();
		const issued: { challengeId: string; challenge: string } = await res.json();
		const signature = await signCardChallenge(member.card, "https://evil.example", issued.challenge, member.cardNo);
		const otherOrigin = await browser.post("/verify", { ...fields, challengeId: issued.challengeId, signature });
		expect(otherOrigin.res.status).toBe(403);
		expect((await registrationOf(member.idNo)).status).toBe("pending");

		expect((await browser.post("/verify", fields)).res.status).toBe(200);
	});
});

describe("重寄認證信 (/verify/resend)", () => {
	it("reads the card, shows the application masked, sends a new mail to a corrected e-mail, and the old link then says superseded", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const oldTicket = await ticketOf(member.email);
		const browser = new Browser();

		const page = await browser.get("/verify/resend");
		expect(page.res.status).toBe(200);
		expect(textOf(page.html)).toContain("健保卡網路服務註冊-重寄認證信");
		expect(page.html).toContain('id="resend-lookup-form"');
		expect(textOf(page.html)).toContain("請晶片讀卡機插入健保卡後，按「讀取」驗證健保卡");

		const shown = await browser.post("/verify/resend", await browser.readCard(member));
		expect(shown.res.status).toBe(200);
		const text = textOf(shown.html);
		expect(text).toContain("數美科技股份有限公司");
		expect(shown.html).toMatch(/id="application-status" data-status="pending">待認證</);
		expect(text).toMatch(/[a-z0-9]{2}\*\*\*@example\.com\.tw/);
		expect(text).toMatch(/民國\d{3}年\d{2}月\d{2}日 \d{2}:\d{2}/);
		expect(shown.html).not.toContain(member.email);
		expect(shown.html).not.toContain(member.idNo);

		const sent = await browser.post("/verify/resend/send", { ...(await browser.readCard(member)), email: "Fixed.Mail@Example.com.tw" });
		expect(sent.res.status).toBe(200);
		expect(textOf(sent.html)).toContain("認證信已重新寄至 Fi***@example.com.tw");
		expect(textOf(sent.html)).toContain("先前寄出的認證信連結已失效");
		const newTicket = await ticketOf("Fixed.Mail@example.com.tw");

		const old = await new Browser().get(`/verify?ticket=${oldTicket}`);
		expect(old.html).toContain('data-state="superseded"');
		expect(textOf(old.html)).toContain(CONFIRM_MESSAGES.TICKET_SUPERSEDED);

		// At once again: the cooldown, with the application still shown.
		const again = await browser.post("/verify/resend/send", await browser.readCard(member));
		expect(again.res.status).toBe(429);
		expect(again.html).toContain('data-code="COOLDOWN"');
		expect(textOf(again.html)).toMatch(/認證信已寄出，請於\d+秒後再試。/);
		expect(again.html).toContain('id="resend-send-form"');

		const confirmer = new Browser();
		await confirmer.get(`/verify?ticket=${newTicket}`);
		expect((await confirmer.confirm(newTicket, member)).res.status).toBe(200);
		const verified = await browser.post("/verify/resend", await browser.readCard(member));
		expect(textOf(verified.html)).toContain(RESEND_MESSAGES.ALREADY_VERIFIED);
		expect(verified.html).not.toContain('id="resend-send-form"');
	});

	it("shows an expired application as 已逾期 and mails a new window", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const reg = await registrationOf(member.idNo);
		await db.update(verificationTickets).set({ expiresAt: Date.now() - 1_000 }).where(eq(verificationTickets.registrationId, reg.id));
		const browser = new Browser();
		await browser.get("/verify/resend");
		const shown = await browser.post("/verify/resend", await browser.readCard(member));
		expect(shown.html).toMatch(/data-status="expired">已逾期</);
		expect(textOf(shown.html)).toContain("（已逾期）");
		const sent = await browser.post("/verify/resend/send", { ...(await browser.readCard(member)), email: "" });
		expect(sent.res.status).toBe(200);
		expect((await mailsTo(member.email)).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT)).toHaveLength(2);
	});

	it("tells a card holder without an application to contact their unit, and refuses a bad card proof or e-mail", async () => {
		const { members } = await registered(1);
		const member = members[0] as Member;
		const strangerId = freshIdNo();
		await db.insert(people).values({ idNo: strangerId, name: "陳無申請", birthDate: "1985-01-01", email: null, createdAt: Date.now() });
		const { key: strangerKey, cardNo: strangerCardNo } = await giveCard(db, strangerId);
		const stranger = { card: strangerKey, cardNo: strangerCardNo };

		const browser = new Browser();
		await browser.get("/verify/resend");
		const none = await browser.post("/verify/resend", await browser.readCard(stranger));
		expect(none.res.status).toBe(200);
		expect(none.html).toContain('data-code="NO_APPLICATION"');
		expect(textOf(none.html)).toContain("請洽您的投保單位");
		expect(none.html).not.toContain('id="resend-send-form"');

		const forged = await browser.post("/verify/resend", { ...(await browser.readCard(member)), cardNo: stranger.cardNo });
		expect(forged.res.status).toBe(403);
		expect(forged.html).toContain('data-code="CARD_PROOF_FAILED"');
		expect(forged.html).toContain('id="resend-lookup-form"');

		const badEmail = await browser.post("/verify/resend/send", { ...(await browser.readCard(member)), email: "not-an-address" });
		expect(badEmail.res.status).toBe(422);
		expect(textOf(badEmail.html)).toContain(RESEND_MESSAGES.EMAIL_INVALID);

		const noCookie = await request("/verify/resend", { method: "POST", body: new URLSearchParams({ _csrf: browser.csrf }) });
		expect(noCookie.status).toBe(403);
	});
});

describe("健保卡註冊申請上傳紀錄查詢: 註冊者狀態", () => {
	it("shows per upload how many of its registrants are pending, verified and expired", async () => {
		const { members, session, batchId } = await registered(3);
		const [verifying, expiring] = members as [Member, Member, Member];
		const ticket = await ticketOf(verifying.email);
		const browser = new Browser();
		await browser.get(`/verify?ticket=${ticket}`);
		expect((await browser.confirm(ticket, verifying)).res.status).toBe(200);
		const reg = await registrationOf(expiring.idNo);
		await db.update(verificationTickets).set({ expiresAt: Date.now() - 1_000 }).where(eq(verificationTickets.registrationId, reg.id));

		const html = await (await request("/batches", { session })).text();
		expect(html).toContain("<th>註冊者狀態</th>");
		const row = html.slice(html.indexOf(`<tr data-batch-id="${batchId}"`));
		expect(textOf(row.slice(0, row.indexOf("</tr>")))).toContain("待認證 1 / 已認證 1 / 已逾期 1");
	});
});
