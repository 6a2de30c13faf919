// VerificationWindow — one object per verification window (SPEC §6), named
// `${registrationId}:${generation}` (windowName()). A window opens when a registrant is mailed a ticket
// (by a batch's verify step or a 重寄認證信 resend) and lasts 5 days.
//
// Responsibilities:
// - open(): remember which ticket this window is for and arm the alarm at its expiry (idempotent);
// - confirm(): the one place a registration is confirmed. Concurrent confirmations (two tabs, a
//   replayed POST) are serialised inside the object, and the D1 write is guarded as well, so exactly
//   one wins; the others get ALREADY_CONFIRMED / EXPIRED / SUPERSEDED;
// - alarm() at the expiry: a registration still pending at this generation becomes expired.
// Whatever ends the window (confirmation, expiry, a newer ticket), the object then deletes all of its
// own storage and its alarm: an ended window keeps nothing.
//
// A newer ticket (resend, re-upload) does not call the old window: the registration's generation moved
// on, so the old window answers SUPERSEDED to any confirm and cleans itself up at its alarm.
import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema/d1.ts";
import {
	WINDOW_KEY,
	type ConfirmWindow,
	type OpenWindow,
	type StoredWindow,
	type WindowOutcome,
	type WindowState,
	type WindowStatus,
} from "../schema/durable/verification-window.ts";
import { expireRegistration, windowStanding, type WindowStanding } from "../workers/services/verification-queries.ts";
import { confirmInD1 } from "../workers/sql/verification.ts";

/** Failed expiries retried by the runtime this many times before the object re-arms an hour later instead. */
const MAX_ALARM_RETRIES = 3;
const ALARM_BACKOFF_MS = 60 * 60 * 1000;

const ENDED_STATUS: Record<Exclude<WindowStanding, "open">, WindowStatus> = {
	ALREADY_CONFIRMED: "confirmed",
	EXPIRED: "expired",
	SUPERSEDED: "superseded",
};

export class VerificationWindow extends DurableObject<Env> {
	/** How the window ended in this instance, for callers that arrive after its storage is gone. */
	#ended: Exclude<WindowStanding, "open"> | null = null;
	/** confirm() and alarm() run one at a time, D1 round trips included (the input gate does not cover those). */
	#tail: Promise<unknown> = Promise.resolve();

	/**
	 * Opens the window; a second call (a replayed wave) changes nothing. One key-value write and the
	 * alarm: a wave opens a thousand of these, so the object does no more than that (no tables to make).
	 */
	async open(input: OpenWindow): Promise<{ opened: boolean }> {
		return this.#exclusive(async () => {
			if (await this.#state()) return { opened: false };
			const state: StoredWindow = {
				registration_id: input.registrationId,
				generation: input.generation,
				ticket_hash: input.ticketHash,
				opened_at: Date.now(),
				expires_at: input.expiresAt,
				status: "open",
			};
			await this.ctx.storage.put(WINDOW_KEY, state);
			this.#ended = null;
			await this.ctx.storage.setAlarm(input.expiresAt);
			return { opened: true };
		});
	}

	/** This window's state, or null when it holds none (for operators and tests). */
	async describe(): Promise<WindowState | null> {
		const s = await this.#state();
		return s
			? { registrationId: s.registration_id, generation: s.generation, ticketHash: s.ticket_hash, openedAt: s.opened_at, expiresAt: s.expires_at, status: s.status }
			: null;
	}

	/**
	 * Confirms the registration with the 註冊密碼 hash: checks D1 (still this generation, pending, the
	 * ticket unspent and unexpired), then spends the ticket, verifies the registration and stores the
	 * credentials in one D1 transaction; then the window deletes itself.
	 */
	async confirm(input: ConfirmWindow): Promise<WindowOutcome> {
		return this.#exclusive(async () => {
			const s = await this.#state();
			if (!s) return { ok: false, code: this.#ended ?? "NOT_OPEN" };
			if (s.status !== "open") return this.#end(s, refusalFor(s.status));
			const key = { registrationId: s.registration_id, generation: s.generation, ticketHash: s.ticket_hash };
			const standing = await windowStanding(this.#db(), key, input.now);
			if (standing !== "open") return this.#end(s, standing, input.now);
			const won = await confirmInD1(this.env.DB, { ...key, idNo: input.idNo, passwordHash: input.passwordHash, now: input.now });
			if (!won) {
				const after = await windowStanding(this.#db(), key, input.now);
				// Still open: the ID is not this registration's person. The window stays for its owner.
				if (after === "open") return { ok: false, code: "WRONG_PERSON" };
				return this.#end(s, after, input.now);
			}
			await this.#setStatus(s, "confirmed");
			await this.#wipe();
			this.#ended = "ALREADY_CONFIRMED";
			return { ok: true };
		});
	}

	/** The window's end: expire a registration still pending at this generation, then delete everything. */
	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		await this.#exclusive(async () => {
			const s = await this.#state();
			if (!s) return this.#wipe();
			if (Date.now() < s.expires_at) {
				// Early (the alarm is only ever set to expires_at; never expire a window before its time).
				await this.ctx.storage.setAlarm(s.expires_at);
				return;
			}
			try {
				if (s.status === "open" || s.status === "expired") await this.#expire(s, Date.now());
			} catch (err) {
				if ((info?.retryCount ?? 0) < MAX_ALARM_RETRIES) throw err;
				// Never drop the window's end: try again later rather than let the runtime give up.
				console.error(JSON.stringify({ window: "expiry failed; re-armed", retryCount: info?.retryCount ?? 0 }));
				await this.ctx.storage.setAlarm(Date.now() + ALARM_BACKOFF_MS);
				return;
			}
			await this.#wipe();
			this.#ended = "EXPIRED";
		});
	}

	/** Ends the window for the reason D1 gave: expiry also marks the registration; then it deletes itself. */
	async #end(s: StoredWindow, code: Exclude<WindowStanding, "open">, now = Date.now()): Promise<WindowOutcome> {
		await this.#setStatus(s, ENDED_STATUS[code]);
		if (code === "EXPIRED") await this.#expire(s, now);
		await this.#wipe();
		this.#ended = code;
		return { ok: false, code };
	}

	async #expire(s: StoredWindow, now: number): Promise<void> {
		await this.#setStatus(s, "expired");
		await expireRegistration(this.#db(), { registrationId: s.registration_id, generation: s.generation, now });
	}

	async #setStatus(s: StoredWindow, status: WindowStatus): Promise<void> {
		await this.ctx.storage.put(WINDOW_KEY, { ...s, status });
	}

	/** Deletes the alarm and all storage. */
	async #wipe(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
	}

	async #state(): Promise<StoredWindow | null> {
		return (await this.ctx.storage.get<StoredWindow>(WINDOW_KEY)) ?? null;
	}

	#db() {
		return drizzle(this.env.DB, { schema });
	}

	#exclusive<T>(fn: () => Promise<T>): Promise<T> {
		const run = this.#tail.then(fn, fn);
		this.#tail = run.catch(() => undefined);
		return run;
	}
}

function refusalFor(status: Exclude<WindowStatus, "open">): Exclude<WindowStanding, "open"> {
	switch (status) {
		case "confirmed":
			return "ALREADY_CONFIRMED";
		case "expired":
			return "EXPIRED";
		case "superseded":
			return "SUPERSEDED";
		default:
			return assertNever(status);
	}
}

function assertNever(x: never): never {
	throw new Error(`unexpected window status ${String(x)}`);
}
