// The Resend transport against a real local HTTP server (test/resend-server.global.ts) that checks
// Resend's documented request shape and answers as Resend does.
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../../schema/d1.ts";
import { MailDeliveryError, sendMail, transportFor, type OutgoingMail, type ResolvedAttachment } from "../../../workers/mail/port.ts";
import { paceDelayMs, RESEND_BATCH_LIMIT, ResendTransport, resendRatePerSecond } from "../../../workers/mail/resend.ts";
import { testDb } from "../../fixtures/index.ts";

const baseUrl = inject("resendBaseUrl");
const resendEnv = { ...env, MAIL_TRANSPORT: "resend", RESEND_BASE_URL: baseUrl };
const db = testDb();

type Received = {
	method: string;
	path: string;
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

async function script(idempotencyKey: string, statuses: number[]): Promise<void> {
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

	it("maps 429 to a retryable error carrying Retry-After", async () => {
		const mail = aMail();
		await script(mail.idempotencyKey, [429]);
		const error = await new ResendTransport(resendEnv).deliver(mail, []).catch((e: unknown) => e);

		expect(error).toBeInstanceOf(MailDeliveryError);
		expect(error).toMatchObject({ retryable: true, status: 429, retryAfterMs: 1000 });
		expect(String(error)).toContain("rate_limit_exceeded");
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
		const resolve = async () => LOG;
		await script(mail.idempotencyKey, [429]);

		const first = await sendMail(resendEnv, db, mail, { resolve });
		expect(first.status).toBe("queued");
		let row = await db.select().from(mailOutbox).where(eq(mailOutbox.id, first.id)).get();
		expect(row).toMatchObject({ status: "queued", attempts: 1, transport: "resend" });
		expect(row?.error).toContain("429 rate_limit_exceeded");

		const second = await sendMail(resendEnv, db, mail, { resolve });
		const third = await sendMail(resendEnv, db, mail, { resolve });
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
		expect(requests[0]).toMatchObject({ method: "POST", path: "/emails/batch", authorization: "Bearer re_test_key" });
		expect(requests[0]?.body).toEqual(
			mails.map((m) => ({ from: env.MAIL_FROM, to: m.to, subject: m.subject, text: m.text })),
		);
		expect(emails.map((e) => e.email.to)).toEqual(mails.map((m) => m.to));
		expect(first.providerIds).toEqual(emails.map((e) => e.id));
		expect(retry).toEqual(first);
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

describe("pacing to the provider's rate", () => {
	it("spaces sends evenly at RESEND_RATE_PER_SECOND", () => {
		expect(resendRatePerSecond(env)).toBe(2);
		expect(resendRatePerSecond({ RESEND_RATE_PER_SECOND: "nonsense" })).toBe(2);
		expect(paceDelayMs(0, 0, 2)).toBe(0);
		expect(paceDelayMs(1, 0, 2)).toBe(500);
		expect(paceDelayMs(1, 200, 2)).toBe(300);
		expect(paceDelayMs(4, 1000, 2)).toBe(1000);
		expect(paceDelayMs(3, 5000, 2)).toBe(0);
		expect(paceDelayMs(10, 0, 10)).toBe(1000);
	});
});
