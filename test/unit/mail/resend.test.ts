// The Resend transport against a real local HTTP server (test/resend-server.global.ts) that checks
// Resend's documented request shape and answers as Resend does.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../../schema/d1.ts";
import { QUOTA_RECHECK_MS } from "../../../workers/mail/pacer.ts";
import { MailDeliveryError } from "../../../workers/mail/errors.ts";
import { deliverQueued, MAX_DELIVERY_ATTEMPTS, sendMail, transportFor } from "../../../workers/mail/outbox.ts";
import type { OutgoingMail, ResolvedAttachment } from "../../../workers/mail/types.ts";
import { RESEND_BATCH_LIMIT, ResendTransport, resendPacer, resendRatePerSecond, USER_AGENT } from "../../../workers/mail/resend.ts";
import { batchAttachments } from "../../../workers/services/batch-attachments.ts";
import { testDb } from "../../fixtures/index.ts";

const baseUrl = inject("resendBaseUrl");
/** A fast team rate, so the tests do not wait for their slots; the pacing tests set their own. */
const resendEnv = { ...env, MAIL_TRANSPORT: "resend", RESEND_BASE_URL: baseUrl, RESEND_RATE_PER_SECOND: "50" };
const db = testDb();

// The team's pace is one D1 row shared by every sender; each test starts with it fresh.
beforeEach(async () => {
	await env.DB.prepare("DELETE FROM mail_pacer").run();
});

type Received = {
	method: string;
	path: string;
	receivedAt: number;
	userAgent: string | null;
	batchValidation: string | null;
	authorization: string | null;
	contentType: string | null;
	idempotencyKey: string | null;
	body: unknown;
	status: number;
};
type Sent = { id: string; idempotencyKey: string | null; email: Record<string, unknown> };

/** What the fake Resend received and actually sent for one idempotency key. */
async function seenBy(idempotencyKey: string): Promise<{ requests: Received[]; emails: Sent[] }> {
	const all = (await (await fetch(`${baseUrl}/__requests`)).json()) as { requests: Received[]; emails: Sent[] };
	return {
		requests: all.requests.filter((r) => r.idempotencyKey === idempotencyKey),
		emails: all.emails.filter((e) => e.idempotencyKey === idempotencyKey),
	};
}

async function script(idempotencyKey: string, statuses: (number | "daily_quota_exceeded" | "monthly_quota_exceeded")[]): Promise<void> {
	await fetch(`${baseUrl}/__script`, { method: "POST", body: JSON.stringify({ idempotencyKey, statuses }) });
}

function aMail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
	return {
		idempotencyKey: `resend-test:${crypto.randomUUID()}`,
		to: ["registrant@example.com.tw"],
		subject: "健保卡網路服務-註冊成功",
		text: "請連結登入「健保卡註冊認證作業」：http://localhost:8787/verify?ticket=abc",
		...overrides,
	};
}

const LOG_BYTES = new TextEncoder().encode("\uFEFF2016/7/13 上午 11:56:45 開始執行...\r\n");
const LOG: ResolvedAttachment = {
	filename: "1333974211050713.1050713104533.log",
	contentType: "text/plain; charset=utf-8",
	content: LOG_BYTES,
};

function fromBase64(b64: string): Uint8Array {
	return Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
}

describe("Resend transport", () => {
	it("posts one email in Resend's documented shape and returns its id", async () => {
		const mail = aMail({ html: "<p>請連結登入</p>" });
		const { providerId } = await new ResendTransport(resendEnv).deliver(mail, [LOG]);

		const { requests, emails } = await seenBy(mail.idempotencyKey);
		expect(requests).toHaveLength(1);
		const [request] = requests;
		expect(request).toMatchObject({
			method: "POST",
			path: "/emails",
			userAgent: USER_AGENT,
			authorization: "Bearer re_test_key",
			contentType: "application/json",
			idempotencyKey: mail.idempotencyKey,
			status: 200,
		});
		expect(request?.body).toEqual({
			from: env.MAIL_FROM,
			to: mail.to,
			subject: mail.subject,
			text: mail.text,
			html: mail.html,
			attachments: [{ filename: LOG.filename, content: expect.any(String), content_type: LOG.contentType }],
		});
		const sent = emails[0]?.email.attachments as { content: string }[];
		expect(fromBase64(sent[0]?.content ?? "")).toEqual(LOG_BYTES);
		expect(providerId).toBe(emails[0]?.id);
	});

	it("base64-encodes a multi-megabyte attachment intact", async () => {
		const big = new Uint8Array(3 * 1024 * 1024 + 7).map((_, i) => (i * 31) % 256);
		const mail = aMail();
		await new ResendTransport(resendEnv).deliver(mail, [{ ...LOG, content: big }]);
		const { emails } = await seenBy(mail.idempotencyKey);
		const sent = emails[0]?.email.attachments as { content: string }[];
		expect(fromBase64(sent[0]?.content ?? "")).toEqual(big);
	});

	it("gets the same id without a second email when a send is retried with the same idempotency key", async () => {
		const transport = new ResendTransport(resendEnv);
		const mail = aMail();
		const first = await transport.deliver(mail, []);
		const retry = await transport.deliver(mail, []);

		expect(retry.providerId).toBe(first.providerId);
		const { requests, emails } = await seenBy(mail.idempotencyKey);
		expect(requests).toHaveLength(2);
		expect(emails).toHaveLength(1);
	});

	it("is refused by Resend without a User-Agent, so it names the portal in every request", async () => {
		// What Resend (the local stand-in) answers a request that carries none: 403, error 1010.
		const bare = await fetch(`${baseUrl}/emails`, {
			method: "POST",
			headers: { Authorization: "Bearer re_test_key", "Content-Type": "application/json" },
			body: JSON.stringify({ from: env.MAIL_FROM, to: ["registrant@example.com.tw"], subject: "s", text: "t" }),
		});
		expect([bare.status, await bare.text()]).toEqual([403, "error code: 1010"]);

		const mail = aMail();
		const batchKey = `batch-test:${crypto.randomUUID()}`;
		const transport = new ResendTransport(resendEnv);
		await transport.deliver(mail, []);
		await transport.sendBatch([aMail()], batchKey);
		const requests = [...(await seenBy(mail.idempotencyKey)).requests, ...(await seenBy(batchKey)).requests];
		expect(requests.map((r) => [r.path, r.status, r.userAgent])).toEqual([
			["/emails", 200, USER_AGENT],
			["/emails/batch", 200, USER_AGENT],
		]);
		expect(USER_AGENT).toMatch(/^nhi-card-batch-registration\/\d/);
	});

	it("maps 429 to a retryable error carrying Retry-After", async () => {
		const mail = aMail();
		await script(mail.idempotencyKey, [429]);
		const error = await new ResendTransport(resendEnv).deliver(mail, []).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(MailDeliveryError);
		expect(error).toMatchObject({ retryable: true, deferred: false, status: 429, retryAfterMs: 1000 });
		expect(String(error)).toContain("rate_limit_exceeded");
	});

	it("tells a daily or monthly quota 429 apart from a rate 429: deferred, not a failed try", async () => {
		for (const quota of ["daily_quota_exceeded", "monthly_quota_exceeded"] as const) {
			await env.DB.prepare("DELETE FROM mail_pacer").run();
			const mail = aMail();
			await script(mail.idempotencyKey, [quota]);
			const error = await new ResendTransport(resendEnv).deliver(mail, []).catch((e: unknown) => e);
			expect(error).toMatchObject({ retryable: true, deferred: true, status: 429 });
			expect(String(error)).toContain(quota);
		}
	});

	it("maps 5xx to a retryable error", async () => {
		const mail = aMail();
		await script(mail.idempotencyKey, [500]);
		await expect(new ResendTransport(resendEnv).deliver(mail, [])).rejects.toMatchObject({ retryable: true, status: 500 });
	});

	it("maps 422 to a permanent error with Resend's message", async () => {
		const error = await new ResendTransport(resendEnv).deliver(aMail({ to: ["not-an-address"] }), []).catch((e: unknown) => e);
		expect(error).toMatchObject({ retryable: false, status: 422 });
		expect(String(error)).toContain("422 validation_error: Invalid `to` field");
	});

	it("treats the same key with another body as a permanent conflict", async () => {
		const transport = new ResendTransport(resendEnv);
		const mail = aMail();
		await transport.deliver(mail, []);
		await expect(transport.deliver({ ...mail, subject: "改過的主旨" }, [])).rejects.toMatchObject({
			retryable: false,
			status: 409,
		});
	});

	it("never puts the API key in an error", async () => {
		const secret = "re_live_do_not_leak_0123456789";
		const error = await new ResendTransport({ ...resendEnv, RESEND_API_KEY: secret }).deliver(aMail(), []).catch((e: unknown) => e);
		expect(error).toMatchObject({ retryable: false, status: 403 });
		expect(String(error)).toContain("invalid_api_key");
		expect(JSON.stringify(error) + String(error)).not.toContain(secret);
		expect(JSON.stringify(new ResendTransport({ ...resendEnv, RESEND_API_KEY: secret }))).not.toContain(secret);
	});

	it("says the provider is unreachable as a retryable error", async () => {
		const error = await new ResendTransport({ ...resendEnv, RESEND_BASE_URL: `${baseUrl}/__hangup` }).deliver(aMail(), []).catch((e: unknown) => e);
		expect(error).toMatchObject({ retryable: true, status: null });
	});
});

describe("sendMail with MAIL_TRANSPORT = resend", () => {
	it("keeps a rate-limited message queued and sends it once on the next call", async () => {
		const mail = aMail({ attachments: [{ kind: "batch-log", batchId: "b1" }] });
		const attachments = { resolve: async () => LOG, check: async () => undefined };
		await script(mail.idempotencyKey, [429]);

		const first = await sendMail(resendEnv, db, mail, { attachments });
		expect(first.status).toBe("queued");
		let row = await db.select().from(mailOutbox).where(eq(mailOutbox.id, first.id)).get();
		expect(row).toMatchObject({ status: "queued", attempts: 1, transport: "resend" });
		expect(row?.error).toContain("429 rate_limit_exceeded");

		const second = await sendMail(resendEnv, db, mail, { attachments });
		const third = await sendMail(resendEnv, db, mail, { attachments });
		expect(second).toEqual({ id: first.id, status: "sent" });
		expect(third).toEqual(second);
		row = await db.select().from(mailOutbox).where(eq(mailOutbox.id, first.id)).get();
		const { requests, emails } = await seenBy(mail.idempotencyKey);
		expect(emails).toHaveLength(1);
		expect(requests.map((r) => r.status)).toEqual([429, 200]);
		expect(row).toMatchObject({ status: "sent", attempts: 2, error: null, providerId: emails[0]?.id });
	});

	it("records a 422 on the message as failed and never asks Resend again", async () => {
		const mail = aMail({ to: ["not-an-address"] });
		const first = await sendMail(resendEnv, db, mail);
		const again = await sendMail(resendEnv, db, mail);

		expect(first.status).toBe("failed");
		expect(again).toEqual(first);
		const row = await db.select().from(mailOutbox).where(eq(mailOutbox.id, first.id)).get();
		expect(row).toMatchObject({ status: "failed", attempts: 1, providerId: null });
		expect(row?.error).toContain("422 validation_error");
		expect((await seenBy(mail.idempotencyKey)).requests).toHaveLength(1);
	});

	it("is chosen by MAIL_TRANSPORT", () => {
		expect(transportFor(resendEnv).name).toBe("resend");
		expect(transportFor({ ...resendEnv, MAIL_TRANSPORT: "outbox" }).name).toBe("outbox");
		expect(() => transportFor({ ...resendEnv, MAIL_TRANSPORT: "smtp" })).toThrow(/MAIL_TRANSPORT/);
	});
});

describe("Resend batch sending", () => {
	it("posts an array under one Idempotency-Key and returns ids in order, once", async () => {
		const transport = new ResendTransport(resendEnv);
		const mails = [aMail({ to: ["a@example.com.tw"] }), aMail({ to: ["b@example.com.tw"] }), aMail({ to: ["c@example.com.tw"] })];
		const key = `batch-test:${crypto.randomUUID()}`;
		const first = await transport.sendBatch(mails, key);
		const retry = await transport.sendBatch(mails, key);

		const { requests, emails } = await seenBy(key);
		expect(requests[0]).toMatchObject({ method: "POST", path: "/emails/batch", authorization: "Bearer re_test_key", batchValidation: "permissive" });
		expect(requests[0]?.body).toEqual(
			mails.map((m) => ({ from: env.MAIL_FROM, to: m.to, subject: m.subject, text: m.text })),
		);
		expect(emails.map((e) => e.email.to)).toEqual(mails.map((m) => m.to));
		expect(first.outcomes).toEqual(emails.map((e) => ({ id: e.id })));
		expect(retry).toEqual(first);
	});

	it("validates permissively: an email Resend refuses fails alone, the others in the same request are sent", async () => {
		const transport = new ResendTransport(resendEnv);
		const mails = [aMail({ to: ["a@example.com.tw"] }), aMail({ to: ["not-an-address"] }), aMail({ to: ["c@example.com.tw"] })];
		const key = `batch-test:${crypto.randomUUID()}`;
		const { outcomes } = await transport.sendBatch(mails, key);
		const { requests, emails } = await seenBy(key);
		expect(requests).toHaveLength(1);
		expect(emails.map((e) => e.email.to)).toEqual([["a@example.com.tw"], ["c@example.com.tw"]]);
		expect(outcomes).toEqual([{ id: emails[0]?.id }, { error: expect.stringContaining("Invalid `to` field") }, { id: emails[1]?.id }]);
	});

	it(`refuses more than ${RESEND_BATCH_LIMIT} emails or any attachment before calling Resend`, async () => {
		const transport = new ResendTransport(resendEnv);
		const key = `batch-test:${crypto.randomUUID()}`;
		await expect(transport.sendBatch(Array.from({ length: RESEND_BATCH_LIMIT + 1 }, () => aMail()), key)).rejects.toThrow(RangeError);
		await expect(transport.sendBatch([aMail({ attachments: [{ kind: "batch-log", batchId: "b" }] })], key)).rejects.toThrow(
			RangeError,
		);
		expect((await seenBy(key)).requests).toHaveLength(0);
	});
});

describe("sendMail with MAIL_TRANSPORT = resend, when the team's quota is used up", () => {
	it("keeps the mail queued through any number of quota 429s, without using up its tries, and sends it once the quota is back", async () => {
		const mail = aMail();
		const tries = MAX_DELIVERY_ATTEMPTS + 2;
		await script(mail.idempotencyKey, Array.from({ length: tries }, (_, i) => (i % 2 === 0 ? "daily_quota_exceeded" : "monthly_quota_exceeded")));
		for (let i = 0; i < tries; i++) {
			// The quota pauses every sender for an hour; here the hour has passed before each try.
			await env.DB.prepare("UPDATE mail_pacer SET paused_until = 0").run();
			expect((await sendMail(resendEnv, db, mail)).status).toBe("queued");
		}
		let row = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, mail.idempotencyKey)).get();
		expect(row).toMatchObject({ status: "queued", attempts: 0 });
		expect(row?.error).toContain("quota_exceeded");

		await env.DB.prepare("UPDATE mail_pacer SET paused_until = 0").run();
		expect((await sendMail(resendEnv, db, mail)).status).toBe("sent");
		row = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, mail.idempotencyKey)).get();
		const { requests, emails } = await seenBy(mail.idempotencyKey);
		expect(requests).toHaveLength(tries + 1);
		expect(emails).toHaveLength(1);
		expect(row).toMatchObject({ status: "sent", attempts: 1, error: null, providerId: emails[0]?.id });
	});

	it("pauses every sender after a quota 429: the next mails stay queued without a request to Resend, also from the scheduled retry", async () => {
		const first = aMail();
		await script(first.idempotencyKey, ["daily_quota_exceeded"]);
		const before = Date.now();
		expect((await sendMail(resendEnv, db, first)).status).toBe("queued");
		const pacer = await resendPacer(resendEnv).state();
		expect(pacer.pauseReason).toBe("daily_quota_exceeded");
		expect(pacer.pausedUntil).toBeGreaterThanOrEqual(before + QUOTA_RECHECK_MS);

		const second = aMail();
		expect((await sendMail(resendEnv, db, second)).status).toBe("queued");
		const results = await deliverQueued(resendEnv, db, { attachments: batchAttachments(db), limit: 1000 });
		expect(results.every((r) => r.status === "queued")).toBe(true);
		expect((await seenBy(second.idempotencyKey)).requests).toHaveLength(0);
		const row = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, second.idempotencyKey)).get();
		expect(row).toMatchObject({ status: "queued", attempts: 0 });
		expect(row?.error).toMatch(/paused \(daily_quota_exceeded\) until/);
	});
});

describe("the team's pace, shared by every sender", () => {
	it("reads RESEND_RATE_PER_SECOND (default 2, Resend's)", () => {
		expect(resendRatePerSecond({ RESEND_RATE_PER_SECOND: "2" })).toBe(2);
		expect(resendRatePerSecond({ RESEND_RATE_PER_SECOND: "nonsense" })).toBe(2);
		expect(resendRatePerSecond({ RESEND_RATE_PER_SECOND: "10" })).toBe(10);
	});

	it("spaces the requests of senders that do not know each other (two batches' objects, a request) at the team's rate", async () => {
		const paced = { ...resendEnv, RESEND_RATE_PER_SECOND: "10" };
		const mails = Array.from({ length: 6 }, () => aMail());
		// Six senders at once, each with its own transport, as after a restart: only D1 is shared.
		await Promise.all(mails.map((m) => new ResendTransport(paced).deliver(m, [])));
		const times = (await Promise.all(mails.map(async (m) => (await seenBy(m.idempotencyKey)).requests[0]?.receivedAt ?? 0))).sort((a, b) => a - b);
		// 10/s: the six leave over half a second (arrivals jitter by the network's few ms), not side by side.
		expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(0.8 * 5 * 100);
	});

	it("honours a 429's retry-after: no sender asks Resend again before it has passed", async () => {
		const limited = aMail();
		await script(limited.idempotencyKey, [429]);
		await expect(new ResendTransport(resendEnv).deliver(limited, [])).rejects.toMatchObject({ status: 429, retryAfterMs: 1000 });
		const other = aMail();
		await new ResendTransport(resendEnv).deliver(other, []);
		const limitedAt = (await seenBy(limited.idempotencyKey)).requests[0]?.receivedAt ?? 0;
		const otherAt = (await seenBy(other.idempotencyKey)).requests[0]?.receivedAt ?? 0;
		expect(otherAt - limitedAt).toBeGreaterThanOrEqual(950);
	});

	it("does not wait past its bound: a mail whose slot is too far away stays queued with its tries", async () => {
		await resendPacer(resendEnv).pause(Date.now() + 60_000, "rate_limit_exceeded");
		const mail = aMail();
		const started = Date.now();
		expect((await sendMail(resendEnv, db, mail)).status).toBe("queued");
		expect(Date.now() - started).toBeLessThan(5_000);
		expect((await seenBy(mail.idempotencyKey)).requests).toHaveLength(0);
		const row = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, mail.idempotencyKey)).get();
		expect(row).toMatchObject({ status: "queued", attempts: 0 });
	});
});
