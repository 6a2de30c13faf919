// Registrant verification (SPEC §6): one VerificationWindow per 5-day window, opened by the batch's
// verify step or a 重寄認證信 resend. Object counts stay small: each window is its own Durable Object.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type { BatchUpload } from "../../durable/batch-upload.ts";
import type { VerificationWindow } from "../../durable/verification-window.ts";
import { windowName } from "../../schema/durable/verification-window.ts";
import { auditLog, credentials, mailOutbox, people, registrations, verificationHandoffs, verificationTickets } from "../../schema/d1.ts";
import { sha256Hex } from "../../workers/lib/crypto.ts";
import { verifyPassword } from "../../workers/lib/password-hash.ts";
import { issueChallenge } from "../../workers/services/challenges.ts";
import { FEEDBACK_URL } from "../../workers/services/mail-links.ts";
import { confirmRegistration, lookupTicket, type CardProofInput } from "../../workers/services/verification-confirm.ts";
import { COMPLETION_MAIL_SUBJECT, VERIFICATION_MAIL_SUBJECT } from "../../workers/services/verification-mail.ts";
import { applicationForPerson, requestResend } from "../../workers/services/verification-resend.ts";
import { confirmInD1 } from "../../workers/sql/verification.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";
import { signCardChallenge, type TestCardKey } from "../fixtures/pki.ts";
import { giveCard } from "../fixtures/sign-in.ts";

const db = testDb();
const ORIGIN = "https://portal.test";
const PASSWORD = "Nhi-2024ab";

type Member = { idNo: string; email: string; card: TestCardKey; cardNo: string };

/** A unit with a clerk and `n` insured members, each with a card in the registry; `birthDate` for the people rows. */
async function unitWithMembers(n: number) {
	const unit = await makeUnit(db, { name: "數美科技股份有限公司" });
	const session = await signIn(db, (await makeStaff(db, unit.code, "clerk")).idNo);
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
	return { unit, session, members };
}

/** Upload the members (plus any extra lines) and run the batch object through its verify step. */
async function uploadAndVerify(ctx: Awaited<ReturnType<typeof unitWithMembers>>, extra: string[] = []) {
	const lines = [...ctx.members.map((m) => `${m.idNo},${m.email},0912345678,`), ...extra];
	const { batchId } = await uploadFile(ctx.session, ctx.unit.code, batchFileName(ctx.unit.code), lines.join("\r\n"));
	if (!batchId) throw new Error("upload refused");
	await runBatchToEnd(batchId);
	return batchId;
}

async function registrationOf(idNo: string) {
	const r = await db.select().from(registrations).where(eq(registrations.idNo, idNo)).get();
	if (!r) throw new Error("no registration");
	return r;
}

async function mailsTo(email: string) {
	return db.select().from(mailOutbox).where(like(mailOutbox.to, `%${email}%`)).orderBy(mailOutbox.createdAt).all();
}

/** The ticket in a verification mail's link. */
function ticketIn(text: string): string {
	const m = /\/verify\?ticket=([A-Za-z0-9_-]+)/.exec(text);
	if (!m?.[1]) throw new Error("no verification link in the mail");
	return m[1];
}

async function verificationTicketOf(email: string): Promise<string> {
	const mails = (await mailsTo(email)).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT);
	const last = mails.at(-1);
	if (!last) throw new Error(`no verification mail to ${email}`);
	return ticketIn(last.text);
}

/** A card proof for the registrant page, answered by `member`'s card as the reader helper would. */
async function cardProof(member: Pick<Member, "card" | "cardNo">): Promise<CardProofInput> {
	const bindingHash = await sha256Hex(crypto.randomUUID());
	const issued = await issueChallenge(db, "registrant-card", bindingHash);
	const signature = await signCardChallenge(member.card, ORIGIN, issued.challenge, member.cardNo);
	return { challengeId: issued.id, bindingHash, origin: ORIGIN, cardNo: member.cardNo, signature };
}

async function confirm(member: Member, ticket: string, over: { password?: string; passwordConfirm?: string; now?: number; card?: Member } = {}) {
	const password = over.password ?? PASSWORD;
	return confirmRegistration(env, db, {
		ticket,
		cardProof: await cardProof(over.card ?? member),
		password,
		passwordConfirm: over.passwordConfirm ?? password,
		...(over.now === undefined ? {} : { now: over.now }),
	});
}

function windowOf(registrationId: string, generation: number) {
	return env.VERIFICATION_WINDOW.getByName(windowName(registrationId, generation));
}

/** Let the window's time run out: its stored expiry and the ticket's go into the past. */
async function expireWindow(registrationId: string, generation: number) {
	const past = Date.now() - 1_000;
	await runInDurableObject(windowOf(registrationId, generation), async (_: VerificationWindow, state) => {
		const stored = await state.storage.get<{ expires_at: number }>("window");
		if (!stored) throw new Error("no window to expire");
		await state.storage.put("window", { ...stored, expires_at: past });
	});
	await db
		.update(verificationTickets)
		.set({ expiresAt: past })
		.where(and(eq(verificationTickets.registrationId, registrationId), eq(verificationTickets.generation, generation)));
}

/** What a window object still keeps: its tables (SQLite's and Cloudflare's own aside), key-value entries and alarm. */
async function windowStorage(registrationId: string, generation: number) {
	return runInDurableObject(windowOf(registrationId, generation), async (_: VerificationWindow, state) => ({
		tables: state.storage.sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'")
			.toArray()
			.map((t) => t.name),
		kv: [...(await state.storage.list()).keys()],
		alarm: await state.storage.getAlarm(),
	}));
}

describe("the batch opens the registrants' verification windows", () => {
	it("opens one window per successful row and mails each person once, the link carrying only the ticket, the ticket stored hashed", async () => {
		const ctx = await unitWithMembers(2);
		const outsider = freshIdNo();
		const batchId = await uploadAndVerify(ctx, [`${outsider},out@example.com.tw,0912345678,`]);

		const handoffs = await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId)).all();
		expect(handoffs.map((h) => h.state)).toEqual(["opened", "opened"]);
		expect(await runInDurableObject(env.BATCH_UPLOAD.getByName(batchId), (o: BatchUpload) => o.progress())).toMatchObject({ step: "done" });

		for (const [i, m] of ctx.members.entries()) {
			const reg = await registrationOf(m.idNo);
			const mails = await mailsTo(m.email);
			expect(mails).toHaveLength(1);
			const mail = mails[0];
			expect(mail).toMatchObject({ subject: "健保卡網路服務-註冊成功", status: "sent", idempotencyKey: `verify:${batchId}:${reg.id}` });
			const text = mail?.text ?? "";
			expect(text).toContain(`親愛的 林註冊${i} 您好：`);
			expect(text).toContain("您所屬投保單位數美科技股份有限公司");
			expect(text).toContain("請於5日內完成");
			expect(text).toContain("重寄認證信");
			expect(text).toMatch(/民國\d{3}年\d{2}月\d{2}日/);
			// Links stand in angle brackets in the text (services/mail-links.ts).
			const urls = text.match(/https?:\/\/[^\s<>]+/g) ?? [];
			expect(urls.length).toBeGreaterThan(0);
			for (const url of urls) {
				// The portal's own pages; only 意見信箱 is NHI's.
				expect(url === FEEDBACK_URL || url.startsWith(env.APP_ORIGIN), url).toBe(true);
				expect(url).not.toContain(m.idNo);
				expect(url).not.toContain(m.cardNo);
				expect(url.toLowerCase()).not.toContain("cardid");
			}
			const ticket = ticketIn(text);
			expect(text).toContain(`${env.APP_ORIGIN}/verify?ticket=${ticket}\n`);
			expect(ticket.length).toBeGreaterThanOrEqual(22); // ≥ 128 bits, base64url

			const stored = await db.select().from(verificationTickets).where(eq(verificationTickets.registrationId, reg.id)).all();
			expect(stored).toHaveLength(1);
			expect(stored[0]?.ticketHash).toBe(await sha256Hex(ticket));
			expect(stored[0]).toMatchObject({ generation: reg.generation, batchId, spentAt: null });
			const expiresAt = stored[0]?.expiresAt ?? 0;
			expect(expiresAt - (stored[0]?.issuedAt ?? 0)).toBe(5 * 24 * 60 * 60 * 1000);

			const window = await windowOf(reg.id, reg.generation).describe();
			expect(window).toMatchObject({ registrationId: reg.id, generation: reg.generation, ticketHash: stored[0]?.ticketHash, expiresAt, status: "open" });
			expect((await windowStorage(reg.id, reg.generation)).alarm).toBe(expiresAt);

			expect(await lookupTicket(db, ticket)).toMatchObject({ state: "ok", unitName: "數美科技股份有限公司", expiresAt, registration: { id: reg.id } });
		}
		// The plain ticket is nowhere in D1 but the mail itself.
		const ticket = await verificationTicketOf(ctx.members[0]?.email ?? "");
		const rows = await env.DB.prepare("SELECT count(*) AS n FROM verification_tickets WHERE ticket_hash = ?1 OR registration_id = ?1").bind(ticket).first<{ n: number }>();
		expect(rows?.n).toBe(0);
		expect(await mailsTo("out@example.com.tw")).toHaveLength(0);
	});

	it("replays a wave that died after its mails were stored: no second mail, and the mailed ticket still works", async () => {
		const ctx = await unitWithMembers(2);
		// The crash: the wave's tickets, windows and mails land, then marking its hand-offs opened fails.
		const trigger = `crash_${crypto.randomUUID().replaceAll("-", "")}`;
		await env.DB.prepare(
			`CREATE TRIGGER ${trigger} BEFORE UPDATE OF state ON verification_handoffs WHEN NEW.state = 'opened'
			BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`,
		).run();
		const lines = ctx.members.map((m) => `${m.idNo},${m.email},0912345678,`).join("\n");
		const { batchId } = await uploadFile(ctx.session, ctx.unit.code, batchFileName(ctx.unit.code), lines);
		const stub = env.BATCH_UPLOAD.getByName(batchId ?? "");
		try {
			for (let i = 0; i < 20 && (await mailsTo(ctx.members[1]?.email ?? "")).length === 0; i++) {
				await runInDurableObject(stub, (o: BatchUpload) => o.alarm()).catch(() => undefined);
			}
			expect((await runInDurableObject(stub, (o: BatchUpload) => o.progress()))?.step).toBe("verify");
		} finally {
			await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
		}
		const before = await Promise.all(ctx.members.map((m) => verificationTicketOf(m.email)));
		const queued = await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId ?? "")).all();
		expect(queued.map((h) => h.state)).toEqual(["queued", "queued"]);

		await runBatchToEnd(batchId ?? "");
		const after = await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId ?? "")).all();
		expect(after.map((h) => h.state)).toEqual(["opened", "opened"]);
		for (const [i, m] of ctx.members.entries()) {
			expect(await mailsTo(m.email)).toHaveLength(1);
			const reg = await registrationOf(m.idNo);
			const tickets = await db.select().from(verificationTickets).where(eq(verificationTickets.registrationId, reg.id)).all();
			expect(tickets.map((t) => t.ticketHash)).toEqual([await sha256Hex(before[i] ?? "")]);
			expect((await lookupTicket(db, before[i] ?? "")).state).toBe("ok");
		}
		const member = ctx.members[0] as Member;
		expect(await confirm(member, before[0] ?? "")).toMatchObject({ ok: true });
	});
});

describe("a 重寄認證信 while the batch is still to open its windows", () => {
	/**
	 * Uploads the members and runs the batch object into its verify step, stopped before its first wave
	 * with the hand-offs queued (cursor 1) or as notify leaves it, nothing queued yet (cursor 0).
	 */
	async function uploadUntilVerify(ctx: Awaited<ReturnType<typeof unitWithMembers>>, cursor: 0 | 1) {
		const lines = ctx.members.map((m) => `${m.idNo},${m.email},0912345678,`).join("\n");
		const batchId = (await uploadFile(ctx.session, ctx.unit.code, batchFileName(ctx.unit.code), lines)).batchId ?? "";
		const stub = env.BATCH_UPLOAD.getByName(batchId);
		// One invocation runs parse, register, notify and the hand-off (the steps are quick); the waves come after.
		await runInDurableObject(stub, (o: BatchUpload) => o.alarm());
		expect(await runInDurableObject(stub, (o: BatchUpload) => o.progress())).toMatchObject({ step: "verify", cursor: 1 });
		if (cursor === 0) {
			await db.delete(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId));
			await runInDurableObject(stub, (_: BatchUpload, state) => void state.storage.sql.exec("UPDATE state SET cursor = 0"));
		}
		return batchId;
	}

	it.each([0, 1] as const)(
		"leaves that registrant to the resend's mail and finishes the batch (hand-offs %s queued before it)",
		async (cursor) => {
			const ctx = await unitWithMembers(2);
			const [resender, other] = ctx.members as [Member, Member];
			const batchId = await uploadUntilVerify(ctx, cursor);
			expect(await requestResend(env, db, { idNo: resender.idNo })).toMatchObject({ ok: true });
			await runBatchToEnd(batchId);

			expect((await runInDurableObject(env.BATCH_UPLOAD.getByName(batchId), (o: BatchUpload) => o.progress()))?.step).toBe("done");
			const resenderMails = (await mailsTo(resender.email)).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT);
			expect(resenderMails.map((m) => m.idempotencyKey)).toEqual([expect.stringMatching(/^resend:/)]);
			expect((await mailsTo(other.email)).map((m) => m.idempotencyKey)).toEqual([expect.stringMatching(new RegExp(`^verify:${batchId}:`))]);
			const handoffs = await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId)).all();
			const byPerson = new Map(await Promise.all(handoffs.map(async (h) => [h.registrationId, h.state] as const)));
			expect(byPerson.get((await registrationOf(other.idNo)).id)).toBe("opened");
			expect(byPerson.get((await registrationOf(resender.idNo)).id)).toBe(cursor === 0 ? undefined : "superseded");
			expect(await confirm(resender, ticketIn(resenderMails[0]?.text ?? ""))).toMatchObject({ ok: true });
		},
	);
});

describe("the window's end", () => {
	it("at expiry marks the registration expired and deletes all of its own storage; a confirm afterwards is refused with how to resend", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		const reg = await registrationOf(member.idNo);
		const ticket = await verificationTicketOf(member.email);

		await expireWindow(reg.id, reg.generation);
		expect(await runDurableObjectAlarm(windowOf(reg.id, reg.generation))).toBe(true);

		expect((await registrationOf(member.idNo)).status).toBe("expired");
		expect(await windowStorage(reg.id, reg.generation)).toEqual({ tables: [], kv: [], alarm: null });
		expect((await lookupTicket(db, ticket)).state).toBe("expired");

		const refused = await confirm(member, ticket);
		expect(refused).toMatchObject({ ok: false, code: "TICKET_EXPIRED" });
		expect(refused.ok ? "" : refused.message).toContain("重寄認證信");
		expect(await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get()).toBeUndefined();
		expect(await applicationForPerson(db, member.idNo)).toMatchObject({ status: "expired", unitName: "數美科技股份有限公司" });
	});

	it("refuses a confirmation after the 5 days even before the alarm has run", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		const reg = await registrationOf(member.idNo);
		const ticket = await verificationTicketOf(member.email);
		const expiresAt = (await lookupTicket(db, ticket)).expiresAt ?? 0;
		expect(await confirm(member, ticket, { now: expiresAt + 1 })).toMatchObject({ ok: false, code: "TICKET_EXPIRED" });
		expect(await applicationForPerson(db, member.idNo, expiresAt + 1)).toMatchObject({ status: "expired" });
		// The window itself ends at its alarm.
		expect((await registrationOf(member.idNo)).status).toBe("pending");
		expect(await windowOf(reg.id, reg.generation).describe()).toMatchObject({ status: "open" });
		expect(await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get()).toBeUndefined();
	});
});

describe("confirming a registration", () => {
	it("refuses another person's card, a mismatched or rule-breaking password, then confirms once, stores the hash and sends the completion mail", async () => {
		const ctx = await unitWithMembers(2);
		const [member, other] = ctx.members as [Member, Member];
		await uploadAndVerify(ctx);
		const reg = await registrationOf(member.idNo);
		const ticket = await verificationTicketOf(member.email);

		const wrongCard = await confirm(member, ticket, { card: other });
		expect(wrongCard).toMatchObject({ ok: false, code: "WRONG_CARD" });
		expect(wrongCard.ok ? "" : wrongCard.message).toContain("本人的健保卡");
		expect(await confirm(member, ticket, { passwordConfirm: "Other-2024" })).toMatchObject({ ok: false, code: "CONFIRM_MISMATCH" });
		expect(await confirm(member, ticket, { password: `${member.idNo}a` })).toMatchObject({
			ok: false,
			code: "PASSWORD_RULES",
			problems: ["CONTAINS_ID"],
		});
		expect(await confirm(member, ticket, { password: "ab0305x" })).toMatchObject({ ok: true });
		// ↑ "0305" alone is not a birth-date form (19900305, 790305, 0790305, … are).

		const done = await registrationOf(member.idNo);
		expect(done).toMatchObject({ status: "verified", generation: reg.generation });
		expect(done.verifiedAt).not.toBeNull();
		const credential = await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get();
		expect(credential?.passwordHash).toMatch(/^pbkdf2-sha256\$600000\$100000\$/);
		expect(await verifyPassword("ab0305x", credential?.passwordHash ?? "")).toBe(true);
		expect((await db.select().from(verificationTickets).where(eq(verificationTickets.registrationId, reg.id)).get())?.spentAt).not.toBeNull();
		expect(await windowStorage(reg.id, reg.generation)).toEqual({ tables: [], kv: [], alarm: null });
		expect((await lookupTicket(db, ticket)).state).toBe("spent");
		// A later life of the ended window: it says it holds none, and a late call leaves nothing behind.
		await evictDurableObject(windowOf(reg.id, reg.generation));
		expect(await windowOf(reg.id, reg.generation).confirm({ passwordHash: "x", idNo: member.idNo, now: Date.now() })).toEqual({ ok: false, code: "NOT_OPEN" });
		expect(await windowStorage(reg.id, reg.generation)).toEqual({ tables: [], kv: [], alarm: null });

		const completion = (await mailsTo(member.email)).filter((m) => m.subject === COMPLETION_MAIL_SUBJECT);
		expect(completion).toHaveLength(1);
		expect(completion[0]?.text).toContain("歡迎開始使用本系統");
		expect(await confirm(member, ticket)).toMatchObject({ ok: false, code: "TICKET_SPENT" });

		const audits = await db.select().from(auditLog).where(eq(auditLog.target, reg.id)).all();
		expect(audits.filter((a) => a.action === "registration.confirm")).toHaveLength(1);
		expect(audits.filter((a) => a.action === "registration.confirm.failed").map((a) => a.detail)).toEqual([
			"WRONG_CARD",
			"CONFIRM_MISMATCH",
			"PASSWORD_RULES",
			"TICKET_SPENT",
		]);
		expect(audits.every((a) => !(a.actor ?? "").includes(member.idNo))).toBe(true);
	});

	it("lets exactly one of two tabs confirming at once win; the other gets a clear refusal", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		const ticket = await verificationTicketOf(member.email);
		const [a, b] = await Promise.all([confirm(member, ticket, { password: "First-2024" }), confirm(member, ticket, { password: "Second-2024" })]);
		const outcomes = [a, b];
		expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
		const loser = outcomes.find((o) => !o.ok);
		expect(loser?.ok === false && ["ALREADY_CONFIRMED", "TICKET_SPENT"].includes(loser.code)).toBe(true);
		const winner = a.ok ? "First-2024" : "Second-2024";
		const credential = await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get();
		expect(await verifyPassword(winner, credential?.passwordHash ?? "")).toBe(true);
		expect((await mailsTo(member.email)).filter((m) => m.subject === COMPLETION_MAIL_SUBJECT)).toHaveLength(1);
	});

	it("lets only one confirmation through in D1 too, whatever clock the callers pass, and never for another person", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		const reg = await registrationOf(member.idNo);
		const ticketHash = await sha256Hex(await verificationTicketOf(member.email));
		const key = { registrationId: reg.id, generation: reg.generation, ticketHash };
		const now = Date.now();
		expect(await confirmInD1(env.DB, { ...key, idNo: freshIdNo(), passwordHash: "stranger", now })).toBe(false);
		expect(await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get()).toBeUndefined();
		expect(await confirmInD1(env.DB, { ...key, idNo: member.idNo, passwordHash: "first", now })).toBe(true);
		expect(await confirmInD1(env.DB, { ...key, idNo: member.idNo, passwordHash: "second", now })).toBe(false);
		expect((await db.select().from(credentials).where(eq(credentials.idNo, member.idNo)).get())?.passwordHash).toBe("first");
	});

	it("shows nothing for a ticket that does not exist", async () => {
		expect(await lookupTicket(db, "not-a-real-ticket-aaaaaaaaaaaaaaaaaaaaaaaaa")).toEqual({ state: "unknown" });
		expect(await lookupTicket(db, "x")).toEqual({ state: "unknown" });
	});
});

describe("重寄認證信", () => {
	it("replaces the window with a new one and a new mail; the old ticket stops working and its window cleans up without expiring anything", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		const before = await registrationOf(member.idNo);
		const oldTicket = await verificationTicketOf(member.email);
		const t0 = Date.now();

		const resent = await requestResend(env, db, { idNo: member.idNo, newEmail: "New.Mail@Example.COM.TW", now: t0 });
		expect(resent).toMatchObject({ ok: true, maskedEmail: "Ne***@example.com.tw" });
		const after = await registrationOf(member.idNo);
		expect(after).toMatchObject({ status: "pending", generation: before.generation + 1, email: "New.Mail@example.com.tw", id: before.id });

		const mails = await mailsTo("New.Mail@example.com.tw");
		expect(mails).toHaveLength(1);
		expect(mails[0]).toMatchObject({ subject: VERIFICATION_MAIL_SUBJECT, idempotencyKey: `resend:${after.id}:${after.generation}` });
		const newTicket = ticketIn(mails[0]?.text ?? "");
		expect((await lookupTicket(db, oldTicket)).state).toBe("superseded");
		expect((await lookupTicket(db, newTicket)).state).toBe("ok");
		expect(await confirm(member, oldTicket)).toMatchObject({ ok: false, code: "TICKET_SUPERSEDED" });
		expect(await windowOf(after.id, after.generation).describe()).toMatchObject({ status: "open" });

		// The old window's alarm only cleans up: the registration lives on at the new generation.
		await expireWindow(before.id, before.generation);
		await runDurableObjectAlarm(windowOf(before.id, before.generation));
		expect((await registrationOf(member.idNo)).status).toBe("pending");
		expect(await windowStorage(before.id, before.generation)).toEqual({ tables: [], kv: [], alarm: null });

		const again = await requestResend(env, db, { idNo: member.idNo, now: t0 + 20_000 });
		expect(again).toMatchObject({ ok: false, code: "COOLDOWN", secondsLeft: 40 });
		expect(await applicationForPerson(db, member.idNo, t0)).toMatchObject({ status: "pending", maskedEmail: "Ne***@example.com.tw" });

		expect(await confirm(member, newTicket)).toMatchObject({ ok: true });
		expect(await requestResend(env, db, { idNo: member.idNo, now: t0 + 120_000 })).toMatchObject({ ok: false, code: "ALREADY_VERIFIED" });
	});

	it("caps resends at five a day and answers a person without an application with whom to contact", async () => {
		const ctx = await unitWithMembers(1);
		const member = ctx.members[0] as Member;
		await uploadAndVerify(ctx);
		// Noon, Taiwan time, so the six tries a minute apart stay within one calendar day.
		const noon = Date.UTC(2030, 0, 15, 4, 0, 0);
		for (let i = 0; i < 5; i++) {
			expect(await requestResend(env, db, { idNo: member.idNo, now: noon + i * 61_000 })).toMatchObject({ ok: true });
		}
		expect(await requestResend(env, db, { idNo: member.idNo, now: noon + 5 * 61_000 })).toMatchObject({ ok: false, code: "DAILY_CAP" });
		expect(await requestResend(env, db, { idNo: member.idNo, now: noon + 24 * 3_600_000 })).toMatchObject({ ok: true });

		const stranger = await requestResend(env, db, { idNo: freshIdNo() });
		expect(stranger).toMatchObject({ ok: false, code: "NO_APPLICATION" });
		expect(stranger.ok ? "" : stranger.message).toContain("請洽您的投保單位");
		expect(await applicationForPerson(db, freshIdNo())).toBeNull();
	});
});
