import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { mailOutbox } from "../../../schema/d1.ts";
import { MailDeliveryError } from "../../../workers/mail/errors.ts";
import { deliverQueued, MAX_DELIVERY_ATTEMPTS, outboxTransport, sendMail, transportFor } from "../../../workers/mail/outbox.ts";
import type { AttachmentRef, MailTransport, OutgoingMail, ResolvedAttachment } from "../../../workers/mail/types.ts";
import { batchAttachments } from "../../../workers/services/batch-attachments.ts";
import { testDb } from "../../fixtures/index.ts";

const db = testDb();

function aMail(overrides: Partial<OutgoingMail> = {}): OutgoingMail {
	return {
		idempotencyKey: `test:${crypto.randomUUID()}`,
		to: ["clerk@example.com.tw"],
		subject: "健保卡整批註冊上傳結果通知",
		text: "親愛的承辦人您好：\n總共上傳4筆，成功註冊0筆，失敗4筆。",
		...overrides,
	};
}

/** The outbox transport, counting what it is handed. */
function countingTransport(): MailTransport & { delivered: { mail: OutgoingMail; attachments: ResolvedAttachment[] }[] } {
	const delivered: { mail: OutgoingMail; attachments: ResolvedAttachment[] }[] = [];
	return {
		name: "outbox",
		delivered,
		async deliver(mail, attachments) {
			delivered.push({ mail, attachments });
			return outboxTransport.deliver(mail, attachments);
		},
	};
}

function failingTransport(error: Error): MailTransport & { calls: number } {
	const t = {
		name: "resend" as const,
		calls: 0,
		async deliver(): Promise<{ providerId: string }> {
			t.calls++;
			throw error;
		},
	};
	return t;
}

function rowsFor(key: string) {
	return db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, key)).all();
}

describe("sendMail through the outbox", () => {
	it("stores a message once per idempotency key and delivers it once", async () => {
		const transport = countingTransport();
		const mail = aMail();
		const first = await sendMail(env, db, mail, { transport });
		const second = await sendMail(env, db, mail, { transport });

		expect(first).toEqual({ id: expect.stringMatching(/^mail_/), status: "sent" });
		expect(second).toEqual(first);
		expect(transport.delivered).toHaveLength(1);
		const rows = await rowsFor(mail.idempotencyKey);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({
			id: first.id,
			status: "sent",
			transport: "outbox",
			providerId: first.id,
			attempts: 1,
			error: null,
			to: JSON.stringify(mail.to),
			subject: mail.subject,
			text: mail.text,
		});
		expect(rows[0]?.sentAt).toEqual(expect.any(Number));
	});

	it("uses the outbox by default (MAIL_TRANSPORT = outbox) and names the stored row as provider id", async () => {
		expect(transportFor(env).name).toBe("outbox");
		const mail = aMail();
		const { id, status } = await sendMail(env, db, mail);
		expect(status).toBe("sent");
		expect((await rowsFor(mail.idempotencyKey))[0]?.providerId).toBe(id);
	});

	it("delivers the stored message on a retry, not a changed one", async () => {
		const transport = countingTransport();
		const mail = aMail();
		await sendMail(env, db, mail, { transport: failingTransport(new MailDeliveryError("Resend 503", { retryable: true })) });
		await sendMail(env, db, { ...mail, subject: "另一個主旨" }, { transport });
		expect(transport.delivered.map((d) => d.mail.subject)).toEqual([mail.subject]);
	});

	it("lets only one of two concurrent calls with the same key deliver", async () => {
		const transport = countingTransport();
		const mail = aMail();
		const results = await Promise.all([sendMail(env, db, mail, { transport }), sendMail(env, db, mail, { transport })]);
		expect(transport.delivered).toHaveLength(1);
		expect(results.map((r) => r.status)).toContain("sent");
		expect(await rowsFor(mail.idempotencyKey)).toHaveLength(1);
	});

	it("records a permanent provider error on the message and never tries it again", async () => {
		const transport = failingTransport(
			new MailDeliveryError("Resend 422 validation_error: Invalid `to` field.", { retryable: false, status: 422 }),
		);
		const mail = aMail({ to: ["not-an-address"] });
		const first = await sendMail(env, db, mail, { transport });
		const second = await sendMail(env, db, mail, { transport });

		expect(first.status).toBe("failed");
		expect(second).toEqual(first);
		expect(transport.calls).toBe(1);
		const [row] = await rowsFor(mail.idempotencyKey);
		expect(row).toMatchObject({ status: "failed", attempts: 1, transport: "resend", providerId: null, sentAt: null });
		expect(row?.error).toContain("422 validation_error");
	});

	it(`keeps a retryable failure queued and gives up after ${MAX_DELIVERY_ATTEMPTS} attempts`, async () => {
		const transport = failingTransport(new MailDeliveryError("Resend 429 rate_limit_exceeded", { retryable: true, status: 429 }));
		const mail = aMail();
		const statuses = [];
		for (let i = 0; i < MAX_DELIVERY_ATTEMPTS + 1; i++) statuses.push((await sendMail(env, db, mail, { transport })).status);

		expect(statuses).toEqual([...Array(MAX_DELIVERY_ATTEMPTS - 1).fill("queued"), "failed", "failed"]);
		expect(transport.calls).toBe(MAX_DELIVERY_ATTEMPTS);
		const [row] = await rowsFor(mail.idempotencyKey);
		expect(row).toMatchObject({ status: "failed", attempts: MAX_DELIVERY_ATTEMPTS });
		expect(row?.error).toContain("429");
	});

	it("treats an unexpected error (no provider answer) as retryable", async () => {
		const mail = aMail();
		const result = await sendMail(env, db, mail, { transport: failingTransport(new TypeError("Network connection lost.")) });
		expect(result.status).toBe("queued");
		expect((await rowsFor(mail.idempotencyKey))[0]?.error).toBe("Network connection lost.");
	});

	it("picks queued messages up again in deliverQueued", async () => {
		const mail = aMail();
		await sendMail(env, db, mail, { transport: failingTransport(new MailDeliveryError("Resend 500", { retryable: true })) });
		const transport = countingTransport();
		const results = await deliverQueued(env, db, { transport, attachments: batchAttachments(db), limit: 1000 });

		expect(results).toContainEqual({ id: expect.any(String), status: "sent" });
		expect(transport.delivered.map((d) => d.mail.idempotencyKey)).toContain(mail.idempotencyKey);
		const [row] = await rowsFor(mail.idempotencyKey);
		expect(row).toMatchObject({ status: "sent", attempts: 2, error: null });
	});

	it("stores attachments by reference and resolves them only at delivery", async () => {
		const refs: AttachmentRef[] = [
			{ kind: "batch-log", batchId: "batch-1" },
			{ kind: "batch-result-csv", batchId: "batch-1" },
		];
		const resolved: AttachmentRef[] = [];
		const resolve = async (ref: AttachmentRef): Promise<ResolvedAttachment> => {
			resolved.push(ref);
			return { filename: `${ref.kind}.txt`, contentType: "text/plain; charset=utf-8", content: new TextEncoder().encode("開始執行...") };
		};
		const transport = countingTransport();
		const mail = aMail({ attachments: refs });
		await sendMail(env, db, mail, { transport, attachments: { resolve, check: () => Promise.reject(new Error("not a stored delivery")) } });

		expect(resolved).toEqual(refs);
		expect(transport.delivered[0]?.attachments.map((a) => a.filename)).toEqual(["batch-log.txt", "batch-result-csv.txt"]);
		const [row] = await rowsFor(mail.idempotencyKey);
		expect(JSON.parse(row?.attachments ?? "null")).toEqual(refs);
	});

	it("fails a message whose attachment cannot be found, as a permanent error", async () => {
		const mail = aMail({ attachments: [{ kind: "batch-log", batchId: `no-such-batch-${crypto.randomUUID()}` }] });
		const result = await sendMail(env, db, mail, { attachments: batchAttachments(db) });
		expect(result.status).toBe("failed");
		expect((await rowsFor(mail.idempotencyKey))[0]?.error).toContain("Attachment not found");
	});

	it("refuses a mail without recipients before storing anything", async () => {
		const mail = aMail({ to: [] });
		await expect(sendMail(env, db, mail)).rejects.toThrow(RangeError);
		expect(await rowsFor(mail.idempotencyKey)).toHaveLength(0);
	});
});
