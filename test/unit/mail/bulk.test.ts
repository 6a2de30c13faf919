// sendMailBatch: the outbox transport in bulk, and Resend's batch endpoint against the local fake
// (test/resend-server.global.ts), paced, with its one-by-one fallback and retryable failures.
import { env } from "cloudflare:workers";
import { like } from "drizzle-orm";
import { describe, expect, inject, it } from "vitest";
import { mailOutbox } from "../../../schema/d1.ts";
import { sha256Hex } from "../../../workers/lib/crypto.ts";
import { sendMailBatch } from "../../../workers/mail/bulk.ts";
import type { OutgoingMail } from "../../../workers/mail/port.ts";
import { testDb } from "../../fixtures/index.ts";

const baseUrl = inject("resendBaseUrl");
const resendEnv = { ...env, MAIL_TRANSPORT: "resend", RESEND_BASE_URL: baseUrl, RESEND_RATE_PER_SECOND: "2" };
const db = testDb();

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

type Seen = { requests: { path: string; idempotencyKey: string | null; status: number; body: unknown }[] };

async function requestsFor(keys: readonly string[]): Promise<Seen["requests"]> {
	const all = (await (await fetch(`${baseUrl}/__requests`)).json()) as Seen;
	return all.requests.filter((r) => r.idempotencyKey !== null && keys.includes(r.idempotencyKey));
}

function batchKey(batch: readonly OutgoingMail[]): Promise<string> {
	return sha256Hex(batch.map((m) => m.idempotencyKey).join("\n")).then((h) => `mail-batch:${h}`);
}

describe("sendMailBatch", () => {
	it("stores each mail once and, on the outbox transport, marks them all sent in one go; a replay stores and sends nothing new", async () => {
		const batch = mails(250);
		const first = await sendMailBatch(env, db, batch);
		expect([...first.values()].every((s) => s === "sent")).toBe(true);
		const stored = await rows(batch);
		expect(stored).toHaveLength(250);
		expect(stored.every((r) => r.status === "sent" && r.providerId === r.id && r.attempts === 1 && r.transport === "outbox")).toBe(true);

		const changed = batch.map((m) => ({ ...m, text: "a different text" }));
		const again = await sendMailBatch(env, db, changed);
		expect([...again.values()].every((s) => s === "sent")).toBe(true);
		expect((await rows(batch)).every((r) => r.text.startsWith("親愛的") && r.attempts === 1)).toBe(true);
	});

	it("sends through Resend's batch endpoint, at most 100 a request, paced to the team rate", async () => {
		const batch = mails(150);
		const waits: number[] = [];
		const statuses = await sendMailBatch(resendEnv, db, batch, { sleep: async (ms) => void waits.push(ms) });
		expect([...statuses.values()].every((s) => s === "sent")).toBe(true);
		const keys = [await batchKey(batch.slice(0, 100)), await batchKey(batch.slice(100))];
		const seen = await requestsFor(keys);
		expect(seen.map((r) => [r.path, r.status, Array.isArray(r.body) ? r.body.length : 0])).toEqual([
			["/emails/batch", 200, 100],
			["/emails/batch", 200, 50],
		]);
		// Two requests at 2/s: the second waits for its half-second slot (less what the first took).
		expect(waits[0]).toBe(0);
		expect(waits[1]).toBeGreaterThan(0);
		expect(waits[1]).toBeLessThanOrEqual(500);
		const stored = await rows(batch);
		expect(stored.every((r) => r.status === "sent" && r.transport === "resend" && r.providerId && r.attempts === 1)).toBe(true);

		await sendMailBatch(resendEnv, db, batch, { sleep: async () => undefined });
		expect(await requestsFor(keys)).toHaveLength(2);
	});

	it("falls back to one request per mail when Resend refuses the whole batch for good, so only the bad address fails", async () => {
		const batch = mails(3, (i) => (i === 1 ? "not-an-address" : `registrant${i}@example.com.tw`));
		const statuses = await sendMailBatch(resendEnv, db, batch, { sleep: async () => undefined });
		expect(batch.map((m) => statuses.get(m.idempotencyKey))).toEqual(["sent", "failed", "sent"]);
		const bad = (await rows(batch)).find((r) => r.idempotencyKey === batch[1]?.idempotencyKey);
		expect(bad?.error).toContain("422");
	});

	it("keeps the mails queued when Resend is rate-limiting, to be retried with the same stored text", async () => {
		const batch = mails(2);
		await fetch(`${baseUrl}/__script`, { method: "POST", body: JSON.stringify({ idempotencyKey: await batchKey(batch), statuses: [429] }) });
		const first = await sendMailBatch(resendEnv, db, batch, { sleep: async () => undefined });
		expect([...first.values()]).toEqual(["queued", "queued"]);
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["queued", 1],
			["queued", 1],
		]);
		const second = await sendMailBatch(resendEnv, db, batch, { sleep: async () => undefined });
		expect([...second.values()]).toEqual(["sent", "sent"]);
		expect((await rows(batch)).map((r) => [r.status, r.attempts])).toEqual([
			["sent", 2],
			["sent", 2],
		]);
	});
});
