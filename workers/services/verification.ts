// Opening verification windows for a batch (SPEC §3, §6): the BatchUpload's verify step hands over its
// queued hand-offs a wave at a time; each live one gets a ticket, its VerificationWindow and the
// registrant's mail 健保卡網路服務-註冊成功.
//
// Ticket idempotency across replays. A wave can die anywhere and is replayed from its hand-offs, and
// the mail (idempotency key `verify:<batch>:<registration>`) is stored once: a replay re-sends the
// STORED mail, so the replay must not mint a different ticket, or the mailed link would name a ticket
// that is not stored. Only the ticket's hash is stored, so the ticket cannot be read back either.
// Hence batch tickets are derived, not drawn:
//     ticket = base64url(HMAC-SHA256(batch ticket key, "verify:<batch>:<registration>:<generation>"))
// The ticket key is 32 random bytes the BatchUpload draws when it enters its verify step and keeps in
// its own storage until the step is done (then deletes it). Every replay derives the same ticket, the
// same hash (its row: INSERT … ON CONFLICT DO NOTHING, one per registration and generation), the same
// window (open() is idempotent) and the same mail. The ticket is as unguessable as a drawn one (256-bit
// key, 256-bit MAC) and still single-purpose: it names one registration at one generation.
// A resend (重寄認證信) is one request that bumps the generation first, so it simply draws a ticket.
import { windowName } from "../../schema/durable/verification-window.ts";
import type { Db } from "../env.ts";
import { base64url, fromBase64url, randomToken, sha256Hex } from "../lib/crypto.ts";
import { sendMails, type SendOptions } from "../mail/outbox.ts";
import { verificationMail, WINDOW_MS } from "./verification-mail.ts";
import { insertTickets, queuedHandoffs, setHandoffState, type HandoffRow } from "../sql/verification.ts";
import { countQueued } from "./verification-queries.ts";

/**
 * Windows per wave, and so per alarm invocation of the BatchUpload, for a batch opening windows alone.
 * Each window is its own Durable Object; locally every object is one SQLite file (with -wal and -shm)
 * that workerd keeps open while the object is loaded, and one invocation that touches more than ~6,600
 * objects fails. Each wave also costs one RPC per window plus about ten D1 calls, within the
 * subrequests of one invocation.
 */
export const WINDOW_WAVE = 1_000;
/**
 * Windows being opened at once across all batches: with 50 clerks' batches in their verify step together
 * (npm run bench:load), waves of 1,000 each loaded ~50,000 objects at once and ran workerd out of file
 * descriptors (20,000 here). Each batch's wave is this divided by the batches in their verify step.
 */
export const WINDOWS_IN_FLIGHT = 2_000;
const MIN_WAVE = 25;

/** The size of a batch's next wave, given how many batches are opening windows now (itself included). */
export function waveSize(batchesOpening: number): number {
	return Math.max(MIN_WAVE, Math.min(WINDOW_WAVE, Math.floor(WINDOWS_IN_FLIGHT / Math.max(1, batchesOpening))));
}

/**
 * Window RPCs in flight at once within a wave. Locally creating an object is bound by its SQLite file's
 * fsyncs on workerd's one thread: a bare object is created as fast with 10 calls in flight as with 50
 * (~220/s), and every call in flight is one more the portal's other requests wait behind.
 */
export const WINDOW_RPC_CONCURRENCY = 8;
/**
 * After this many window RPCs a wave waits for a zero-delay timer. Locally the Worker and all its
 * objects share one event loop, which looks for new connections only when no work is ready: without
 * the pause a wave of RPCs that keep resolving shuts out every other request (a clerk's page, the
 * status poll) until it ends. In production the pause costs next to nothing.
 */
const YIELD_EVERY = 25;
const TICKET_KEY_BYTES = 32;
const TICKET_BYTES = 32;

export type WaveResult = {
	/** Windows opened and mailed (or the mail given up for good) in this wave. */
	opened: number;
	/** Hand-offs whose registration moved on (newer generation or upload, or no longer pending). */
	superseded: number;
	/** Windows opened whose mail the provider did not take yet: their hand-offs stay queued for a later wave. */
	deferred: number;
	/** Hand-offs of the batch still queued after this wave. */
	remaining: number;
};

/** A fresh per-batch ticket key (base64url), kept by the BatchUpload while it opens windows. */
export function newTicketKey(): string {
	return randomToken(TICKET_KEY_BYTES);
}

/** A drawn ticket (≥ 128 bits: 32 random bytes), for resends. */
export function drawTicket(): string {
	return randomToken(TICKET_BYTES);
}

/** What is stored of a ticket. */
export function ticketHash(ticket: string): Promise<string> {
	return sha256Hex(ticket);
}

async function deriveTicket(key: CryptoKey, batchId: string, registrationId: string, generation: number): Promise<string> {
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`verify:${batchId}:${registrationId}:${generation}`));
	return base64url(new Uint8Array(mac));
}

export function batchMailKey(batchId: string, registrationId: string): string {
	return `verify:${batchId}:${registrationId}`;
}

/**
 * One wave: up to `limit` queued hand-offs of the batch. A hand-off whose registration moved on is
 * marked superseded; each other gets its ticket, its window and its mail, and is marked opened once its
 * mail is sent (or failed for good — the registrant can still ask for 重寄認證信). Safe to replay.
 */
export async function openWindowsWave(
	env: Env,
	db: Db,
	batchId: string,
	limit: number,
	options: { ticketKey: string; now?: number; mail?: SendOptions },
): Promise<WaveResult> {
	const now = options.now ?? Date.now();
	const rows = await queuedHandoffs(env.DB, batchId, limit);
	const live = rows.filter((r) => isLive(r, batchId));
	const dead = rows.filter((r) => !isLive(r, batchId)).map((r) => r.registrationId);

	const key = await crypto.subtle.importKey("raw", fromBase64url(options.ticketKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	type Minted = { row: HandoffRow; ticket: string; hash: string };
	const minted: Minted[] = await Promise.all(
		live.map(async (row) => {
			const ticket = await deriveTicket(key, batchId, row.registrationId, row.generation);
			return { row, ticket, hash: await ticketHash(ticket) };
		}),
	);
	const stored = new Map(
		(await insertTickets(env.DB, batchId, minted.map((m) => [m.hash, m.row.registrationId, m.row.generation, now, now + WINDOW_MS]))).map((t) => [
			t.registrationId,
			t,
		]),
	);
	const windows: (Minted & { issuedAt: number; expiresAt: number })[] = [];
	for (const m of minted) {
		const t = stored.get(m.row.registrationId);
		if (!t) throw new Error(`verify ${batchId}: a ticket of the wave was not stored`);
		if (t.ticketHash === m.hash) {
			windows.push({ ...m, issuedAt: t.issuedAt, expiresAt: t.expiresAt });
		} else if (t.batchId !== batchId) {
			// A 重寄認證信 (or another upload) issued this generation's ticket first and mailed it.
			dead.push(m.row.registrationId);
		} else {
			// One ticket per (registration, generation), derived the same way on every replay: another hash
			// here means the ticket key changed under a live step, and the stored ticket cannot be re-shown.
			throw new Error(`verify ${batchId}: stored ticket of a registration differs from the derived one`);
		}
	}

	let calls = 0;
	await forEachLimit(windows, WINDOW_RPC_CONCURRENCY, async (w) => {
		await env.VERIFICATION_WINDOW.getByName(windowName(w.row.registrationId, w.row.generation)).open({
			registrationId: w.row.registrationId,
			generation: w.row.generation,
			ticketHash: w.hash,
			expiresAt: w.expiresAt,
		});
		if (++calls % YIELD_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 0));
	});

	const statuses = await sendMails(
		env,
		db,
		windows.map((w) =>
			verificationMail({
				idempotencyKey: batchMailKey(batchId, w.row.registrationId),
				to: w.row.email,
				name: w.row.name,
				unitName: w.row.unitName ?? "",
				ticket: w.ticket,
				issuedAt: w.issuedAt,
				expiresAt: w.expiresAt,
				origin: env.APP_ORIGIN,
			}),
		),
		{ ...options.mail, now },
	);
	const settled = windows.filter((w) => statuses.get(batchMailKey(batchId, w.row.registrationId)) !== "queued").map((w) => w.row.registrationId);

	const writes = [
		...(dead.length > 0 ? [setHandoffState(env.DB, batchId, "superseded", dead)] : []),
		...(settled.length > 0 ? [setHandoffState(env.DB, batchId, "opened", settled)] : []),
	];
	if (writes.length > 0) await env.DB.batch(writes);
	return { opened: settled.length, superseded: dead.length, deferred: windows.length - settled.length, remaining: await countQueued(db, batchId) };
}

/** Still this upload's registration, at the hand-off's generation, waiting for verification. */
function isLive(row: HandoffRow, batchId: string): boolean {
	return row.status === "pending" && row.generation === row.handoffGeneration && row.registrationBatchId === batchId;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. After a failure no new call starts, every call
 * already started is still awaited, and then the first error is thrown.
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
	let next = 0;
	let failed = false;
	const worker = async () => {
		while (!failed && next < items.length) {
			const item = items[next++] as T;
			try {
				await fn(item);
			} catch (err) {
				failed = true;
				throw err;
			}
		}
	};
	const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
	for (const r of settled) {
		if (r.status === "rejected") {
			const reason: unknown = r.reason;
			throw reason;
		}
	}
}
