import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { auditLog, certificateBindings, credentials, passkeys, sessions, signInFailures, unitStaff } from "../../schema/d1.ts";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { CHALLENGE_SPENT_MESSAGE } from "../../workers/services/challenges.ts";
import { lockedMessage, NOT_REGISTERED_MESSAGE } from "../../workers/services/sign-in.ts";
import { hashPassword, verifyPassword } from "../../workers/lib/password-hash.ts";
import { BINDING_PENDING_MESSAGE, CLAIM_PENDING_MESSAGE } from "../../workers/services/certificate-sign-in.ts";
import { freshIdNo, makePerson, makeStaff, makeUnit, request, signIn, testDb } from "../fixtures/index.ts";
import { issueCertificate, makeIntermediateCa, makeTestCa, signCardChallenge, signCertificateChallenge, type TestCa } from "../fixtures/pki.ts";
import { completeRegistration, giveCard, PORTAL_ORIGIN, TestBrowser, type CardHolder } from "../fixtures/sign-in.ts";
import { SoftAuthenticator } from "../fixtures/webauthn.ts";

const db = testDb();
const PASSWORD = "Clerk@2026";

const registrationStart = z.object({ challengeId: z.string(), options: z.object({ challenge: z.string(), rp: z.object({ id: z.string() }) }) });
const authenticationStart = z.object({ challengeId: z.string(), options: z.object({ challenge: z.string(), rpId: z.string() }) });

/** A clerk of a fresh unit with an NHI card and a completed registration. */
async function registeredClerk() {
	const unit = await makeUnit(db);
	const clerk = await makeStaff(db, unit.code, "clerk", { name: "林雅婷" });
	const card = await giveCard(db, clerk.idNo);
	await completeRegistration(db, clerk.idNo, unit.code, PASSWORD);
	return { unit, clerk, card };
}

/** What sign-in.js posts after the helper signed the challenge with `card`. */
async function cardForm(browser: TestBrowser, card: CardHolder, password: string) {
	const issued = await browser.challenge("nhi-card");
	const signature = await signCardChallenge(card.key, PORTAL_ORIGIN, issued.challenge, card.cardNo);
	return { challengeId: issued.challengeId, cardNo: card.cardNo, signature, origin: PORTAL_ORIGIN, password };
}

async function auditOf(idNo: string) {
	return db.select().from(auditLog).where(eq(auditLog.actor, maskIdNo(idNo))).all();
}

describe("sign-in with an NHI card and the 註冊密碼", () => {
	it("signs in with the card's answer and the right password, then drops the pre-session", async () => {
		const { clerk, card } = await registeredClerk();
		const browser = new TestBrowser();
		const page = await browser.openSignIn();
		expect(page).toContain("讀取");
		expect(browser.hasPreSession).toBe(true);

		const res = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD));

		expect(res.status).toBe(303);
		// A clerk lands on the upload page, as 示範登入 does.
		expect(res.headers.get("Location")).toBe("/batches/new");
		const cookies = res.headers.getSetCookie().join("\n");
		expect(cookies).toMatch(/__Host-session=[^;]+;.*HttpOnly/);
		expect(cookies).toMatch(/__Host-session=.*Secure/);
		expect(cookies).toMatch(/__Host-session=.*SameSite=Lax/);
		expect(browser.signedIn).toBe(true);
		expect(browser.hasPreSession).toBe(false);
		expect(await (await browser.fetch("/")).text()).toContain("林雅婷 您好");
		const [session] = await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all();
		expect(session?.method).toBe("nhi-card");
		const audit = await auditOf(clerk.idNo);
		expect(audit.map((a) => [a.action, a.detail])).toContainEqual(["sign-in", "nhi-card"]);
		expect(JSON.stringify(audit)).not.toContain(clerk.idNo);
	});

	it("signs in with the 註冊密碼 typed in full-width: a password is compared in its NFKC form", async () => {
		const { card } = await registeredClerk();
		const browser = new TestBrowser();
		await browser.openSignIn();
		const res = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, "Ｃｌｅｒｋ＠２０２６"));
		expect(res.status).toBe(303);
	});

	it("still signs in with a 註冊密碼 stored before passwords were NFKC'd, and stores it in NFKC form from then on", async () => {
		const { clerk, card } = await registeredClerk();
		const legacy = "Ｃlerk＠2026"; // set when the full-width characters were kept as typed
		await db.update(credentials).set({ passwordHash: await hashPassword(legacy) }).where(eq(credentials.idNo, clerk.idNo));
		const browser = new TestBrowser();
		await browser.openSignIn();
		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, legacy))).status).toBe(303);
		const stored = await db.select().from(credentials).where(eq(credentials.idNo, clerk.idNo)).get();
		expect(await verifyPassword(PASSWORD, stored?.passwordHash ?? "")).toBe(true);
		const again = new TestBrowser();
		await again.openSignIn();
		expect((await again.postForm("/sign-in/nhi-card", await cardForm(again, card, PASSWORD))).status).toBe(303);
	});

	it("sets a short-lived __Host-pre cookie on the sign-in page", async () => {
		const res = await new TestBrowser().fetch("/sign-in");
		const pre = res.headers.getSetCookie().find((c) => c.startsWith("__Host-pre="));
		expect(pre).toMatch(/Max-Age=900/);
		expect(pre).toMatch(/Path=\//);
		expect(pre).toMatch(/HttpOnly/);
		expect(pre).toMatch(/Secure/);
		expect(pre).toMatch(/SameSite=Lax/);
	});

	it("counts a wrong password and locks the account after 5 within 15 minutes, saying until when", async () => {
		const { clerk, card } = await registeredClerk();
		const browser = new TestBrowser();
		await browser.openSignIn();
		for (let i = 1; i <= 4; i++) {
			const res = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, `Wrong@${i}`));
			expect(res.status).toBe(401);
			expect(await res.text()).toContain(`再錯 ${5 - i} 次將鎖定帳號`);
		}
		const fifth = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, "Wrong@5"));
		expect(fifth.status).toBe(423);
		const locked = await db.select().from(credentials).where(eq(credentials.idNo, clerk.idNo)).get();
		expect(locked?.lockedUntil).toBeGreaterThan(Date.now() + 14 * 60_000);
		expect(locked?.lockedUntil).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
		const page = await fifth.text();
		expect(page).toContain(lockedMessage(locked?.lockedUntil ?? 0));
		expect(page).toMatch(/密碼錯誤次數過多，帳號鎖定至 \d{4}\/\d{1,2}\/\d{1,2} (上午|下午) \d{1,2}:\d{2}:\d{2}。/);

		// Even the right password is refused until then, and says the same time.
		const right = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD));
		expect(right.status).toBe(423);
		expect(await right.text()).toContain(lockedMessage(locked?.lockedUntil ?? 0));
		expect(browser.signedIn).toBe(false);

		expect(await db.select().from(signInFailures).where(eq(signInFailures.idNo, clerk.idNo)).all()).toHaveLength(5);
		const actions = (await auditOf(clerk.idNo)).map((a) => a.action);
		expect(actions.filter((a) => a === "sign-in.failed")).toHaveLength(5); // 4 wrong passwords + 1 while locked
		expect(actions).toContain("sign-in.locked");
	});

	it("clears the wrong-password count on a successful sign-in", async () => {
		const { clerk, card } = await registeredClerk();
		const browser = new TestBrowser();
		await browser.openSignIn();
		for (let i = 0; i < 3; i++) await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, "Wrong@0"));
		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD))).status).toBe(303);
		expect(await db.select().from(signInFailures).where(eq(signInFailures.idNo, clerk.idNo)).all()).toHaveLength(0);
	});

	it("refuses a replayed challenge", async () => {
		const { card } = await registeredClerk();
		const browser = new TestBrowser();
		await browser.openSignIn();
		const form = await cardForm(browser, card, "Wrong@1");
		expect((await browser.postForm("/sign-in/nhi-card", form)).status).toBe(401);

		const replay = await browser.postForm("/sign-in/nhi-card", { ...form, password: PASSWORD });
		expect(replay.status).toBe(401);
		expect(await replay.text()).toContain(CHALLENGE_SPENT_MESSAGE);
		expect(browser.signedIn).toBe(false);
	});

	it("refuses a challenge another browser's pre-session fetched", async () => {
		const { card } = await registeredClerk();
		const victim = new TestBrowser();
		await victim.openSignIn();
		const form = await cardForm(victim, card, PASSWORD);
		const other = new TestBrowser();
		await other.openSignIn();

		const res = await other.postForm("/sign-in/nhi-card", form);
		expect(res.status).toBe(401);
		expect(await res.text()).toContain(CHALLENGE_SPENT_MESSAGE);
		expect(other.signedIn).toBe(false);
		// The challenge was not spent by the attempt: it still works where it was issued.
		expect((await victim.postForm("/sign-in/nhi-card", form)).status).toBe(303);
	});

	it("says so when the card's holder has not completed registration", async () => {
		const person = await makePerson(db);
		const card = await giveCard(db, person.idNo);
		const browser = new TestBrowser();
		await browser.openSignIn();
		const res = await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain(NOT_REGISTERED_MESSAGE);
		expect((await auditOf(person.idNo)).map((a) => a.detail)).toContain("nhi-card; NOT_REGISTERED");
	});

	it("asks for the card first when the form comes without the card's answer", async () => {
		const browser = new TestBrowser();
		await browser.openSignIn();
		const res = await browser.postForm("/sign-in/nhi-card", { challengeId: "", cardNo: "", signature: "", password: PASSWORD });
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("請先插入健保卡並按「讀取」");
	});
});

describe("sign-in with certificate cards", () => {
	let ca: TestCa;
	beforeAll(async () => {
		ca = await makeTestCa();
	});

	async function certificateForm(browser: TestBrowser, purpose: "moica" | "moeaca", cert: Awaited<ReturnType<typeof issueCertificate>>, idNo: string) {
		const issued = await browser.challenge(purpose);
		const signature = await signCertificateChallenge(cert, PORTAL_ORIGIN, issued.challenge);
		return { idNo, challengeId: issued.challengeId, certificate: cert.certificateDer, signature, origin: PORTAL_ORIGIN };
	}

	it("signs a person in with their 自然人憑證 (the ID typed, the PIN never sent)", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "陳志明" });
		const cert = await issueCertificate(ca, { name: "陳志明", idLast4: clerk.idNo.slice(-4), holderIdNo: clerk.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		const page = await browser.openSignIn("moica");
		expect(page).toMatch(/<input type="password" id="moica-pin"(?![^>]*name=)[^>]*>/);

		const res = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo.toLowerCase()));
		expect(res.status).toBe(303);
		const [session] = await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all();
		expect(session?.method).toBe("moica");
		expect(session?.actingBan).toBeNull();
		expect((await auditOf(clerk.idNo)).map((a) => a.action)).toEqual(expect.arrayContaining(["certificate.bind", "sign-in"]));
		// The ID-match port (the development CA's record of the holder) bound it to this person.
		const [binding] = await db.select().from(certificateBindings).where(eq(certificateBindings.idNo, clerk.idNo)).all();
		expect(binding).toMatchObject({ serial: cert.cert.serialNumber.toUpperCase(), boundBy: "id-match", revokedAt: null });
	});

	it("signs in with a 自然人憑證 whose issuing CA the helper passes along, the portal trusting only the root", async () => {
		const issuing = await makeIntermediateCa(ca, "MOICA Test Issuing CA");
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "陳志明" });
		const cert = await issueCertificate(issuing, { name: "陳志明", idLast4: clerk.idNo.slice(-4), holderIdNo: clerk.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		const without = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo));
		expect(await without.text()).toContain("憑證非由受信任之憑證機構簽發。");
		const res = await browser.postForm("/sign-in/moica", { ...(await certificateForm(browser, "moica", cert, clerk.idNo)), chain: issuing.cert.toString("base64") });
		expect(res.status).toBe(303);
	});

	it("refuses a 自然人憑證 whose last 4 of the ID do not match the typed ID", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "陳志明" });
		const wrongLast4 = clerk.idNo.slice(-4) === "0000" ? "1111" : "0000";
		const cert = await issueCertificate(ca, { name: "陳志明", idLast4: wrongLast4 });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		const res = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("憑證與身分證號不符。");
		expect(browser.signedIn).toBe(false);
		expect((await auditOf(clerk.idNo)).map((a) => a.detail)).toContain("moica; PROOF_REFUSED");
	});

	it("refuses an expired 自然人憑證 and one whose name is not the person's", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "陳志明" });
		const expired = await issueCertificate(ca, { name: "陳志明", idLast4: clerk.idNo.slice(-4), notBefore: Date.now() - 800 * 86_400_000, notAfter: Date.now() - 86_400_000 });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		const res = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", expired, clerk.idNo));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("憑證已過期");

		const someoneElse = await issueCertificate(ca, { name: "王大明", idLast4: clerk.idNo.slice(-4) });
		const other = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", someoneElse, clerk.idNo));
		expect(await other.text()).toContain("憑證姓名與身分證號登記之姓名不符。");
		expect(browser.signedIn).toBe(false);
	});

	it("refuses a 自然人憑證 from a root it does not trust, and a typed ID with a bad check digit", async () => {
		const stranger = await makeTestCa("Stranger Root CA");
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "陳志明" });
		const cert = await issueCertificate(stranger, { name: "陳志明", idLast4: clerk.idNo.slice(-4) });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		const untrusted = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo));
		expect(await untrusted.text()).toContain("憑證非由受信任之憑證機構簽發。");

		const badId = `${clerk.idNo.slice(0, 9)}${(Number(clerk.idNo.slice(9)) + 1) % 10}`;
		const res = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, badId));
		expect(await res.text()).toContain("身分證號格式錯誤");
	});

	it("signs a unit's manager in with the unit's 工商憑證, limited to that company's units", async () => {
		const unit = await makeUnit(db, { ban: "04595257" });
		const manager = await makeStaff(db, unit.code, "manager");
		const elsewhere = await makeUnit(db, { ban: "12345675" });
		await db.insert(unitStaff).values({ unitCode: elsewhere.code, idNo: manager.idNo, role: "clerk", email: "m@x.tw", authorizedAt: Date.now() });
		const cert = await issueCertificate(ca, { name: unit.name, ban: "04595257", key: "rsa" });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");

		const res = await browser.postForm("/sign-in/moeaca", await certificateForm(browser, "moeaca", cert, manager.idNo));
		expect(res.status).toBe(303);
		const [session] = await db.select().from(sessions).where(eq(sessions.idNo, manager.idNo)).all();
		expect(session?.method).toBe("moeaca");
		expect(session?.actingBan).toBe("04595257");
		// The 授權管理 page of the certificate's unit is theirs; the other unit is out of this session's reach.
		expect((await browser.fetch(`/staff?unit=${unit.code}`)).status).toBe(200);
		const upload = await (await browser.fetch("/batches/new")).text();
		expect(upload).toContain(unit.code);
		expect(upload).not.toContain(elsewhere.code);
		// And such a session may not bind a passkey.
		await browser.refreshSessionCsrf();
		expect((await browser.postJson("/passkeys/options", {})).status).toBe(403);
	});

	it("refuses a 工商憑證 to someone who is not the unit's manager", async () => {
		const unit = await makeUnit(db, { ban: "22099131" });
		await makeStaff(db, unit.code, "manager");
		const clerk = await makeStaff(db, unit.code, "clerk");
		const cert = await issueCertificate(ca, { name: unit.name, ban: "22099131" });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		const refused = await browser.postForm("/sign-in/moeaca", await certificateForm(browser, "moeaca", cert, clerk.idNo));
		expect(refused.status).toBe(401);
		expect(await refused.text()).toContain("您不是此工商憑證所屬投保單位的單位管理者");
		expect((await auditOf(clerk.idNo)).map((a) => a.detail)).toContain("moeaca; NOT_MANAGER");
	});

	it("refuses a 自然人憑證 offered as a 工商憑證", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager", { name: "陳志明" });
		const cert = await issueCertificate(ca, { name: "陳志明", idLast4: manager.idNo.slice(-4) });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		const res = await browser.postForm("/sign-in/moeaca", await certificateForm(browser, "moeaca", cert, manager.idNo));
		expect(await res.text()).toContain("此憑證不是工商憑證。");
	});
});

describe("自然人憑證 bound to one person (issue 14.1)", () => {
	let ca: TestCa;
	beforeAll(async () => {
		ca = await makeTestCa();
	});

	async function certificateForm(browser: TestBrowser, purpose: "moica" | "moeaca", cert: Awaited<ReturnType<typeof issueCertificate>>, idNo: string) {
		const issued = await browser.challenge(purpose);
		const signature = await signCertificateChallenge(cert, PORTAL_ORIGIN, issued.challenge);
		return { idNo, challengeId: issued.challengeId, certificate: cert.certificateDer, signature, origin: PORTAL_ORIGIN };
	}

	/** Two people of one unit with the same name and the same last 4 of the ID: A holds a 自然人憑證, T is the target. */
	async function twins() {
		const unit = await makeUnit(db);
		const a = await makeStaff(db, unit.code, "clerk", { name: "林家豪" });
		const last4 = a.idNo.slice(-4);
		let targetId = freshIdNo("B");
		while (targetId.slice(-4) !== last4) targetId = freshIdNo("B");
		const t = await makeStaff(db, unit.code, "manager", { name: "林家豪", idNo: targetId });
		return { unit, a, t };
	}

	it("does not sign in as T with A's genuine 自然人憑證 and T's ID typed, though T shares A's name and last 4 of the ID", async () => {
		const { a, t } = await twins();
		// A's certificate as the development CA issued it (the ID-match port knows it is A's) …
		const aCert = await issueCertificate(ca, { name: "林家豪", idLast4: a.idNo.slice(-4), holderIdNo: a.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		const res = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", aCert, t.idNo));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("憑證與身分證號不符。");
		// … and one the port cannot tell about (as a real card would be here): no session either, only the ask for T's own card.
		const unknown = await issueCertificate(ca, { name: "林家豪", idLast4: a.idNo.slice(-4) });
		const pending = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", unknown, t.idNo));
		expect(pending.status).toBe(202);
		expect(await pending.text()).toContain(BINDING_PENDING_MESSAGE);
		expect(browser.signedIn).toBe(false);
		expect(await db.select().from(sessions).where(eq(sessions.idNo, t.idNo)).all()).toHaveLength(0);
		expect(await db.select().from(certificateBindings).where(eq(certificateBindings.idNo, t.idNo)).all()).toHaveLength(0);
	});

	it("refuses a certificate bound to A when T's ID is typed", async () => {
		const { a, t } = await twins();
		const aCert = await issueCertificate(ca, { name: "林家豪", idLast4: a.idNo.slice(-4), holderIdNo: a.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		expect((await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", aCert, a.idNo))).status).toBe(303);
		const other = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await other.openSignIn("moica");
		const res = await other.postForm("/sign-in/moica", await certificateForm(other, "moica", aCert, t.idNo));
		expect(res.status).toBe(401);
		expect(await res.text()).toContain("憑證與身分證號不符。");
	});

	it("without an ID-match port, binds a certificate by its holder's NHI card sign-in in the same browser, then signs in with the certificate alone", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "黃美玲" });
		const card = await giveCard(db, clerk.idNo);
		await completeRegistration(db, clerk.idNo, unit.code, PASSWORD);
		const cert = await issueCertificate(ca, { name: "黃美玲", idLast4: clerk.idNo.slice(-4) });
		const production = { TRUSTED_ROOTS_PEM: ca.pem, ENVIRONMENT: "production" };
		const browser = new TestBrowser(production);
		await browser.openSignIn("moica");
		const first = await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo));
		expect(first.status).toBe(202);
		expect(await first.text()).toContain(BINDING_PENDING_MESSAGE);
		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD))).status).toBe(303);
		const [binding] = await db.select().from(certificateBindings).where(eq(certificateBindings.idNo, clerk.idNo)).all();
		expect(binding).toMatchObject({ serial: cert.cert.serialNumber.toUpperCase(), boundBy: "nhi-card" });
		expect((await auditOf(clerk.idNo)).map((a) => a.action)).toContain("certificate.bind");

		const later = new TestBrowser(production);
		await later.openSignIn("moica");
		expect((await later.postForm("/sign-in/moica", await certificateForm(later, "moica", cert, clerk.idNo))).status).toBe(303);
		expect(later.signedIn).toBe(true);
	});

	it("does not bind a certificate to someone else who signs in with their own card in that browser, nor in another browser", async () => {
		const { unit, a, t } = await twins();
		for (const person of [a, t]) await completeRegistration(db, person.idNo, unit.code, PASSWORD);
		const aCard = await giveCard(db, a.idNo);
		const tCard = await giveCard(db, t.idNo);
		const unknown = await issueCertificate(ca, { name: "林家豪", idLast4: a.idNo.slice(-4) });
		const production = { TRUSTED_ROOTS_PEM: ca.pem, ENVIRONMENT: "production" };
		const browser = new TestBrowser(production);
		await browser.openSignIn("moica");
		expect((await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", unknown, t.idNo))).status).toBe(202);
		// A (who holds the certificate) signs in with A's card in this browser: T's pending binding stays T's.
		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, aCard, PASSWORD))).status).toBe(303);
		// T signs in with T's card in another browser: the pending binding was this browser's.
		const elsewhere = new TestBrowser(production);
		await elsewhere.openSignIn();
		expect((await elsewhere.postForm("/sign-in/nhi-card", await cardForm(elsewhere, tCard, PASSWORD))).status).toBe(303);
		expect(await db.select().from(certificateBindings).where(eq(certificateBindings.serial, unknown.cert.serialNumber.toUpperCase())).all()).toHaveLength(0);
	});

	it("ends a clerk's certificate bindings when the manager revokes the clerk: the certificate no longer signs in alone", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "張志強" });
		const cert = await issueCertificate(ca, { name: "張志強", idLast4: clerk.idNo.slice(-4), holderIdNo: clerk.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moica");
		expect((await browser.postForm("/sign-in/moica", await certificateForm(browser, "moica", cert, clerk.idNo))).status).toBe(303);

		const managerSession = await signIn(db, manager.idNo);
		const row = await db.select().from(unitStaff).where(eq(unitStaff.idNo, clerk.idNo)).get();
		const revoke = await request("/staff/revoke", { method: "POST", session: managerSession, body: new URLSearchParams({ unitCode: unit.code, staffId: row?.staffId ?? "", confirm: "yes" }) });
		expect(revoke.status).toBe(303);
		const [binding] = await db.select().from(certificateBindings).where(eq(certificateBindings.idNo, clerk.idNo)).all();
		expect(binding?.revokedAt).not.toBeNull();
		expect((await auditOf(clerk.idNo)).map((a) => a.action)).toContain("certificate.unbind");

		const again = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem, ENVIRONMENT: "production" });
		await again.openSignIn("moica");
		const res = await again.postForm("/sign-in/moica", await certificateForm(again, "moica", cert, clerk.idNo));
		expect(res.status).toBe(202);
		expect(again.signedIn).toBe(false);
	});
});

describe("a 工商憑證 holder and a unit without a manager (issue 14.4)", () => {
	let ca: TestCa;
	beforeAll(async () => {
		ca = await makeTestCa();
	});

	async function moeacaForm(browser: TestBrowser, cert: Awaited<ReturnType<typeof issueCertificate>>, idNo: string) {
		const issued = await browser.challenge("moeaca");
		const signature = await signCertificateChallenge(cert, PORTAL_ORIGIN, issued.challenge);
		return { idNo, challengeId: issued.challengeId, certificate: cert.certificateDer, signature, origin: PORTAL_ORIGIN };
	}

	async function leaderlessUnit() {
		const ban = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
		const unit = await makeUnit(db, { ban });
		const cert = await issueCertificate(ca, { name: unit.name, ban });
		const person = await makePerson(db, { email: "owner@new.example.tw" });
		const card = await giveCard(db, person.idNo);
		await completeRegistration(db, person.idNo, unit.code, PASSWORD);
		return { unit, cert, person, card };
	}

	async function managerRow(unitCode: string, idNo: string) {
		return db
			.select()
			.from(unitStaff)
			.where(and(eq(unitStaff.unitCode, unitCode), eq(unitStaff.idNo, idNo)))
			.get();
	}

	it("writes nothing and starts no session for the typed ID alone, then makes that person manager once their own card signs in in the same browser; both steps audited", async () => {
		const { unit, cert, person, card } = await leaderlessUnit();
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		const first = await browser.postForm("/sign-in/moeaca", await moeacaForm(browser, cert, person.idNo));
		expect(first.status).toBe(202);
		expect(await first.text()).toContain(CLAIM_PENDING_MESSAGE);
		expect(browser.signedIn).toBe(false);
		expect(await managerRow(unit.code, person.idNo)).toBeUndefined();
		expect((await auditOf(person.idNo)).map((a) => a.action)).toContain("staff.manager.claim");

		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD))).status).toBe(303);
		expect(await managerRow(unit.code, person.idNo)).toMatchObject({ role: "manager", revokedAt: null, email: "owner@new.example.tw" });
		const actions = (await auditOf(person.idNo)).map((a) => a.action);
		expect(actions).toEqual(expect.arrayContaining(["staff.manager.claim", "staff.manager.moeaca"]));
		expect((await browser.fetch(`/staff?unit=${unit.code}`)).status).toBe(200);
	});

	it("does not make the typed ID a manager through a card sign-in of someone else in that browser, or of the typed person in another browser", async () => {
		const { unit, cert, person, card } = await leaderlessUnit();
		const other = await makePerson(db);
		const otherCard = await giveCard(db, other.idNo);
		await completeRegistration(db, other.idNo, unit.code, PASSWORD);
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		expect((await browser.postForm("/sign-in/moeaca", await moeacaForm(browser, cert, person.idNo))).status).toBe(202);
		expect((await browser.postForm("/sign-in/nhi-card", await cardForm(browser, otherCard, PASSWORD))).status).toBe(303);
		const elsewhere = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await elsewhere.openSignIn();
		expect((await elsewhere.postForm("/sign-in/nhi-card", await cardForm(elsewhere, card, PASSWORD))).status).toBe(303);
		expect(await managerRow(unit.code, person.idNo)).toBeUndefined();
		expect(await managerRow(unit.code, other.idNo)).toBeUndefined();
		expect((await elsewhere.fetch(`/staff?unit=${unit.code}`)).status).toBe(403);
	});

	it("takes the person's bound 自然人憑證 as their own proof too", async () => {
		const { unit, cert, person } = await leaderlessUnit();
		const personal = await issueCertificate(ca, { name: person.name, idLast4: person.idNo.slice(-4), holderIdNo: person.idNo });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		expect((await browser.postForm("/sign-in/moeaca", await moeacaForm(browser, cert, person.idNo))).status).toBe(202);
		const issued = await browser.challenge("moica");
		const signature = await signCertificateChallenge(personal, PORTAL_ORIGIN, issued.challenge);
		const res = await browser.postForm("/sign-in/moica", { idNo: person.idNo, challengeId: issued.challengeId, certificate: personal.certificateDer, signature, origin: PORTAL_ORIGIN });
		expect(res.status).toBe(303);
		expect(await managerRow(unit.code, person.idNo)).toMatchObject({ role: "manager" });
	});
});

describe("passkeys", () => {
	it("binds a passkey after a card sign-in, then signs in with it alone", async () => {
		const { clerk, card } = await registeredClerk();
		const browser = new TestBrowser();
		await browser.openSignIn();
		await browser.postForm("/sign-in/nhi-card", await cardForm(browser, card, PASSWORD));
		await browser.refreshSessionCsrf();

		const authenticator = new SoftAuthenticator();
		const options = await browser.postJson("/passkeys/options", {});
		expect(options.status).toBe(200);
		const start = registrationStart.parse(await options.json());
		expect(start.options.rp.id).toBe("portal.test");
		const bound = await browser.postJson("/passkeys", { challengeId: start.challengeId, label: "辦公室電腦", response: await authenticator.register(start.options, PORTAL_ORIGIN) });
		expect(bound.status).toBe(200);
		const list = await (await browser.fetch("/passkeys")).text();
		expect(list).toContain("辦公室電腦");

		const fresh = new TestBrowser();
		await fresh.openSignIn("passkey");
		const signInStart = authenticationStart.parse(await (await fresh.postJson("/sign-in/passkey/options", {})).json());
		const res = await fresh.postJson("/sign-in/passkey", { challengeId: signInStart.challengeId, response: await authenticator.assert(signInStart.options, PORTAL_ORIGIN) });
		expect(res.status).toBe(200);
		expect(await res.json()).toEqual({ redirect: "/batches/new" });
		expect(fresh.signedIn).toBe(true);
		const methods = (await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all()).map((s) => s.method).sort();
		expect(methods).toEqual(["nhi-card", "passkey"]);
		const stored = await db.select().from(passkeys).where(eq(passkeys.idNo, clerk.idNo)).get();
		expect(stored?.counter).toBe(1);
		expect(stored?.lastUsedAt).not.toBeNull();
	});

	it("refuses an assertion answering another browser's challenge, and an unknown passkey", async () => {
		const authenticator = new SoftAuthenticator();
		const a = new TestBrowser();
		await a.openSignIn("passkey");
		const start = authenticationStart.parse(await (await a.postJson("/sign-in/passkey/options", {})).json());
		const assertion = await authenticator.assert(start.options, PORTAL_ORIGIN);
		const b = new TestBrowser();
		await b.openSignIn("passkey");
		const stolen = await b.postJson("/sign-in/passkey", { challengeId: start.challengeId, response: assertion });
		expect(stolen.status).toBe(401);
		expect(await stolen.json()).toMatchObject({ error: { message: CHALLENGE_SPENT_MESSAGE } });

		const unknown = await a.postJson("/sign-in/passkey", { challengeId: start.challengeId, response: assertion });
		expect(unknown.status).toBe(401);
		expect(await unknown.json()).toMatchObject({ error: { code: "UNKNOWN_PASSKEY" } });
	});

	it("lets only a card or 自然人憑證 session bind, and deletes only the person's own passkey", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const demo = await signIn(db, clerk.idNo);
		const browser = new TestBrowser();
		browser.cookies.set("__Host-session", demo.cookie.split("=")[1] ?? "");
		browser.csrf = demo.csrf;
		const refused = await browser.postJson("/passkeys/options", {});
		expect(refused.status).toBe(403);
		expect(await refused.json()).toMatchObject({ error: { message: "綁定通行金鑰前，請先以健保卡或自然人憑證登入。" } });

		const owner = await makePerson(db);
		await db.insert(passkeys).values({ id: "someone-elses-passkey", idNo: owner.idNo, publicKey: "AA", counter: 0, label: "x", createdAt: Date.now() });
		expect((await browser.postForm("/passkeys/someone-elses-passkey/delete", {})).status).toBe(404);
		expect(await db.select().from(passkeys).where(eq(passkeys.id, "someone-elses-passkey")).get()).toBeDefined();
	});
});

describe("CSRF on the sign-in POSTs", () => {
	it("refuses each sign-in POST without the pre-session's token, without the cookie, or from another site", async () => {
		const browser = new TestBrowser();
		await browser.openSignIn();
		const token = browser.csrf;
		const posts: [string, () => Promise<Response>][] = [
			["/sign-in/challenge", () => browser.postJson("/sign-in/challenge", { purpose: "nhi-card" })],
			["/sign-in/nhi-card", () => browser.postForm("/sign-in/nhi-card", { challengeId: "x", cardNo: "1", signature: "x", password: "x" })],
			["/sign-in/moica", () => browser.postForm("/sign-in/moica", { idNo: "A123456789", challengeId: "x", certificate: "x", signature: "x" })],
			["/sign-in/moeaca", () => browser.postForm("/sign-in/moeaca", { idNo: "A123456789", challengeId: "x", certificate: "x", signature: "x" })],
			["/sign-in/passkey/options", () => browser.postJson("/sign-in/passkey/options", {})],
			["/sign-in/passkey", () => browser.postJson("/sign-in/passkey", {})],
		];
		for (const [path, post] of posts) {
			browser.csrf = "not-the-token";
			expect((await post()).status, `${path} without the token`).toBe(403);
			browser.csrf = token;
			const crossSite = await browser.fetch(path, { method: "POST", headers: { Origin: "https://evil.example", "X-CSRF-Token": token } });
			expect(crossSite.status, `${path} from another site`).toBe(403);
		}
		browser.cookies.clear();
		const noCookie = await browser.postJson("/sign-in/challenge", { purpose: "nhi-card" });
		expect(noCookie.status).toBe(403);
		expect(await noCookie.json()).toMatchObject({ error: { code: "CSRF", message: "登入頁面已逾時，請重新整理本頁後再登入。" } });
	});
});
