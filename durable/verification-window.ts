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
import { VERIFICATION_WINDOW_MIGRATIONS } from "../schema/durable/verification-window.ts";
import { confirmInD1, expireRegistration, windowStanding, type WindowStanding } from "../workers/services/verification-sql.ts";
import { migrate } from "./sql-migrations.ts";

/** Failed expiries retried by the runtime this many times before the object re-arms an hour later instead. */
const MAX_ALARM_RETRIES = 3;
const ALARM_BACKOFF_MS = 60 * 60 * 1000;

export type WindowStatus = "open" | "confirmed" | "expired" | "superseded";

export type OpenWindow = { registrationId: string; generation: number; ticketHash: string; expiresAt: number };
export type ConfirmWindow = { passwordHash: string; idNo: string; now: number };
/**
 * NOT_OPEN: this object holds no window — it was never opened, or it ended in an earlier life of the
 * object (its storage is gone); the caller reads D1 to say which. WRONG_PERSON: the ID given is not the
 * registration's person (the caller checks the card first; this is the last line).
 */
export type WindowRefusal = "ALREADY_CONFIRMED" | "EXPIRED" | "SUPERSEDED" | "NOT_OPEN" | "WRONG_PERSON";
export type WindowOutcome = { ok: true } | { ok: false; code: WindowRefusal };
export type WindowState = {
	registrationId: string;
	generation: number;
	ticketHash: string;
	openedAt: number;
	expiresAt: number;
	status: WindowStatus;
};

/** The object name of a window. */
export function windowName(registrationId: string, generation: number): string {
	return `${registrationId}:${generation}`;
}

type StateRow = {
	registration_id: string;
	generation: number;
	ticket_hash: string;
	opened_at: number;
	expires_at: number;
	status: WindowStatus;
};

const ENDED_STATUS: Record<Exclude<WindowStanding, "open">, WindowStatus> = {
	ALREADY_CONFIRMED: "confirmed",
	EXPIRED: "expired",
	SUPERSEDED: "superseded",
};

export class VerificationWindow extends DurableObject<Env> {
	#sql: SqlStorage;
	/** Whether this instance's tables exist: deleteAll() drops them, open() makes them again. */
	#migrated = false;
	/** How the window ended in this instance, for callers that arrive after its storage is gone. */
	#ended: Exclude<WindowStanding, "open"> | null = null;
	/** confirm() and alarm() run one at a time, D1 round trips included (the input gate does not cover those). */
	#tail: Promise<unknown> = Promise.resolve();

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		// Upgrade the schema of a window that exists; an object without storage (an ended window asked
		// again) stays without, so a late call never leaves tables behind.
		void ctx.blockConcurrencyWhile(async () => {
			if (this.#hasSchema()) this.#migrate();
		});
	}

	/** Opens the window; a second call (a replayed wave) changes nothing. */
	async open(input: OpenWindow): Promise<{ opened: boolean }> {
		return this.#exclusive(async () => {
			this.#migrate();
			if (this.#state()) return { opened: false };
			this.#sql.exec(
				`INSERT INTO state (id, registration_id, generation, ticket_hash, opened_at, expires_at, status)
				VALUES (1, ?, ?, ?, ?, ?, 'open')`,
				input.registrationId,
				input.generation,
				input.ticketHash,
				Date.now(),
				input.expiresAt,
			);
			this.#ended = null;
			await this.ctx.storage.setAlarm(input.expiresAt);
			return { opened: true };
		});
	}

	/** This window's state, or null when it holds none (for operators and tests). */
	async describe(): Promise<WindowState | null> {
		const s = this.#state();
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
			const s = this.#state();
			if (!s) {
				if (this.#hasSchema()) await this.#wipe();
				return { ok: false, code: this.#ended ?? "NOT_OPEN" };
			}
			if (s.status !== "open") return this.#end(s, refusalFor(s.status));
			const key = { registrationId: s.registration_id, generation: s.generation, ticketHash: s.ticket_hash };
			const standing = await windowStanding(this.env.DB, key, input.now);
			if (standing !== "open") return this.#end(s, standing, input.now);
			const won = await confirmInD1(this.env.DB, { ...key, idNo: input.idNo, passwordHash: input.passwordHash, now: input.now });
			if (!won) {
				const after = await windowStanding(this.env.DB, key, input.now);
				// Still open: the ID is not this registration's person. The window stays for its owner.
				if (after === "open") return { ok: false, code: "WRONG_PERSON" };
				return this.#end(s, after, input.now);
			}
			this.#sql.exec("UPDATE state SET status = 'confirmed'");
			await this.#wipe();
			this.#ended = "ALREADY_CONFIRMED";
			return { ok: true };
		});
	}

	/** The window's end: expire a registration still pending at this generation, then delete everything. */
	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		await this.#exclusive(async () => {
			const s = this.#state();
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
	async #end(s: StateRow, code: Exclude<WindowStanding, "open">, now = Date.now()): Promise<WindowOutcome> {
		this.#sql.exec("UPDATE state SET status = ?", ENDED_STATUS[code]);
		if (code === "EXPIRED") await this.#expire(s, now);
		await this.#wipe();
		this.#ended = code;
		return { ok: false, code };
	}

	async #expire(s: StateRow, now: number): Promise<void> {
		this.#sql.exec("UPDATE state SET status = 'expired'");
		await expireRegistration(this.env.DB, { registrationId: s.registration_id, generation: s.generation, now });
	}

	/** Deletes the alarm and all storage (SQLite tables included). */
	async #wipe(): Promise<void> {
		await this.ctx.storage.deleteAlarm();
		await this.ctx.storage.deleteAll();
		this.#migrated = false;
	}

	#migrate(): void {
		if (this.#migrated) return;
		migrate(this.#sql, VERIFICATION_WINDOW_MIGRATIONS);
		this.#migrated = true;
	}

	#hasSchema(): boolean {
		return this.#sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_schema_version'").toArray().length > 0;
	}

	#state(): StateRow | null {
		if (!this.#migrated) return null;
		return this.#sql.exec<StateRow>("SELECT * FROM state WHERE id = 1").toArray()[0] ?? null;
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
