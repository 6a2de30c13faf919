// sendMails: the outbox transport in bulk, and Resend's batch endpoint against the local fake
// (test/resend-server.global.ts): paced at the team's rate across senders, permissive validation,
// retryable failures and used-up quotas.
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { beforeEach, describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../../schema/d1.ts";
import { sha256Hex } from "../../../workers/lib/crypto.ts";
import { deliverQueued, sendMails } from "../../../workers/mail/outbox.ts";
import type { OutgoingMail } from "../../../workers/mail/types.ts";
import { batchAttachments } from "../../../workers/services/batch-attachments.ts";
import { testDb } from "../../fixtures/index.ts";

const baseUrl = inject("resendBaseUrl");
const resendEnv = { ...env, MAIL_TRANSPORT: "resend", RESEND_BASE_URL: baseUrl, RESEND_RATE_PER_SECOND: "50" };
const db = testDb();

// The team's pace is one D1 row shared by every sender; each test starts with it fresh.
beforeEach(async () => {
	await env.DB.prepare("DELETE FROM mail_pacer").run();
});

function mails(n: number, to = (i: number) => `registrant${i}@example.com.tw`): OutgoingMail[] {
	const run = crypto.randomUUID();
	return Array.from({ length: n }, (_, i) => ({
		idempotencyKey: `bulk-test:${run}:${i}`,
		to: [to(i)],
		subject: "健保卡網路服務-註冊成功",
		text: `親愛的 註冊者${i} 您好：\nhttp://127.0.0.1:8787/verify?ticket=t${i}\n`,
	}));
}

/** The stored rows of a run's mails, in the run's order (keys share the run's prefix). */
async function rows(batch: OutgoingMail[]) {
	const prefix = (batch[0]?.idempotencyKey ?? "").replace(/\d+$/, "");
	const stored = await db.select().from(mailOutbox).where(like(mailOutbox.idempotencyKey, `${prefix}%`)).all();
	const byKey = new Map(stored.map((r) => [r.idempotencyKey, r]));
	return batch.flatMap((m) => byKey.get(m.idempotencyKey) ?? []);
}

type Seen = {
	requests: { path: string; idempotencyKey: string | null; status: number; body: unknown; receivedAt: number; batchValidation: string | null }[];
};

async function requestsFor(keys: readonly string[]): Promise<Seen["requests"]> {
	const all = (await (await fetch(`${baseUrl}/__requests`)).json()) as Seen;
	return all.requests.filter((r) => r.idempotencyKey !== null && keys.includes(r.idempotencyKey));
}

function batchKey(batch: readonly OutgoingMail[]): Promise<string> {
	return sha256Hex(batch.map((m) => m.idempotencyKey).join("\n")).then((h) => `mail-batch:${h}`);
}

describe("sendMails", () => {
	it("stores each mail once and, on the outbox transport, marks them all sent in one go; a replay stores and sends nothing new", async () => {
		const batch = mails(250);
		const first = await sendMails(env, db, batch);
		expect([...first.values()].every((s) => s === "sent")).toBe(true);
		const stored = await rows(batch);
		expect(stored).toHaveLength(250);
		expect(stored.every((r) => r.status === "sent" && r.providerId === r.id && r.attempts === 1 && r.transport === "outbox")).toBe(true);

		const changed = batch.map((m) => ({ ...m, text: "a different text" }));
		const again = await sendMails(env, db, changed);
		expect([...again.values()].every((s) => s === "sent")).toBe(true);
		expect((await rows(batch)).every((r) => r.text.startsWith("親愛的") && r.attempts === 1)).toBe(true);
	});

	it("sends through Resend's batch endpoint, at most 100 a request, paced to the team rate", async () => {
		const batch = mails(150);
		const statuses = await sendMails({ ...resendEnv, RESEND_RATE_PER_SECOND: "2" }, db, batch);
		expect([...statuses.values()].every((s) => s === "sent")).toBe(true);
		const keys = [await batchKey(batch.slice(0, 100)), await batchKey(batch.slice(100))];
		const seen = await requestsFor(keys);
		expect(seen.map((r) => [r.path, r.batchValidation, r.status, Array.isArray(r.body) ? r.body.length : 0])).toEqual([
			["/emails/batch", "permissive", 200, 100],
			["/emails/batch", "permissive", 200, 50],
		]);
		// Two requests at 2/s: the second waits for its half-second slot.
		expect((seen[1]?.receivedAt ?? 0) - (seen[0]?.receivedAt ?? 0)).toBeGreaterThanOrEqual(400);
		const stored = await rows(batch);
		expect(stored.every((r) => r.status === "sent" && r.transport === "resend" && r.providerId && r.attempts === 1)).toBe(true);

		await sendMails(resendEnv, db, batch);
		expect(await requestsFor(keys)).toHaveLength(2);
	});

	it("two batches sending at once share the team's rate: their requests leave evenly spaced, not side by side", async () => {
		const paced = { ...resendEnv, RESEND_RATE_PER_SECOND: "5" };
		const [a, b] = [mails(200), mails(200)];
		await Promise.all([sendMails(paced, db, a), sendMails(paced, db, b)]);
		const keys = [
			await batchKey(a.slice(0, 100)),
			await batchKey(a.slice(100)),
			await batchKey(b.slice(0, 100)),
			await batchKey(b.slice(100)),
		];
		const times = (await requestsFor(keys)).map((r) => r.receivedAt).sort((x, y) => x - y);
		expect(times).toHaveLength(4);
		// 5/s: one request every 200 ms for the whole team, whichever batch it belongs to (arrivals jitter
		// by the network's few ms); two senders pacing themselves alone would put two requests at 0 ms.
		expect((times.at(-1) ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(0.8 * 3 * 200);
		expect([...(await rows(a)), ...(await rows(b))].every((r) => r.status === "sent")).toBe(true);
	});

	it("sends the rest of a batch in the same request when Resend refuses one address, and fails only that mail", async () => {
		const batch = mails(3, (i) => (i === 1 ? "not-an-address" : `registrant${i}@example.com.tw`));
		const statuses = await sendMails(resendEnv, db, batch);
		expect(batch.map((m) => statuses.get(m.idempotencyKey))).toEqual(["sent", "failed", "sent"]);
		// One request in all: none of the mails went again one by one.
		expect(await requestsFor([await batchKey(batch)])).toHaveLength(1);
		expect(await requestsFor(batch.map((m) => m.idempotencyKey))).toHaveLength(0);
		const stored = await rows(batch);
		expect(stored.map((r) => [r.status, r.attempts])).toEqual([
			["sent", 1],
			["failed", 1],
			["sent", 1],
		]);
		expect(stored[1]?.error).toContain("Invalid `to` field");
		expect(stored[0]?.providerId).not.toBe(stored[2]?.providerId);
	});

	it("keeps a batch queued through a used-up quota without using up its tries", async () => {
		const batch = mails(2);
		const key = await batchKey(batch);
		await fetch(`${baseUrl}/__script`, { method: "POST", body: JSON.stringify({ idempotencyKey: key, statuses: Array(6).fill("monthly_quota_exceeded") }) });
		for (let i = 0; i < 6; i++) {
			await env.DB.prepare("UPDATE mail_pacer SET paused_until = 0").run();
			expect([...(await sendMails(resendEnv, db, batch)).values()]).toEqual(["queued", "queued"]);
		}
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["queued", 0],
			["queued", 0],
		]);
		await env.DB.prepare("UPDATE mail_pacer SET paused_until = 0").run();
		expect([...(await sendMails(resendEnv, db, batch)).values()]).toEqual(["sent", "sent"]);
	});

	it("keeps the mails queued when Resend is rate-limiting, to be retried with the same stored text", async () => {
		const batch = mails(2);
		await fetch(`${baseUrl}/__script`, { method: "POST", body: JSON.stringify({ idempotencyKey: await batchKey(batch), statuses: [429] }) });
		const first = await sendMails(resendEnv, db, batch);
		expect([...first.values()]).toEqual(["queued", "queued"]);
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["queued", 1],
			["queued", 1],
		]);
		const second = await sendMails(resendEnv, db, batch);
		expect([...second.values()]).toEqual(["sent", "sent"]);
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["sent", 2],
			["sent", 2],
		]);
	});

	it("retries a rate-limited wave from the scheduled job through the batch endpoint too, one request for the lot", async () => {
		const batch = mails(3);
		await fetch(`${baseUrl}/__script`, { method: "POST", body: JSON.stringify({ idempotencyKey: await batchKey(batch), statuses: [429] }) });
		expect([...(await sendMails(resendEnv, db, batch)).values()]).toEqual(["queued", "queued", "queued"]);
		await env.DB.prepare("UPDATE mail_pacer SET paused_until = 0").run();
		// Only this test's mails are queued with tries left: the others in this file were sent or failed.
		await env.DB.prepare("UPDATE mail_outbox SET status = 'failed' WHERE status = 'queued' AND idempotency_key NOT LIKE ?")
			.bind(`${batch[0]?.idempotencyKey.replace(/\d+$/, "")}%`)
			.run();
		const retried = await deliverQueued(resendEnv, db, { attachments: batchAttachments(db) });
		expect(retried.map((r) => r.status)).toEqual(["sent", "sent", "sent"]);
		// The same set of mails, so the same batch key: Resend saw the 429 and then one request for all three.
		expect((await requestsFor([await batchKey(batch)])).map((r) => [r.path, r.status])).toEqual([
			["/emails/batch", 429],
			["/emails/batch", 200],
		]);
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["sent", 2],
			["sent", 2],
			["sent", 2],
		]);
	});
});
