// VerificationWindow's storage: ONE key-value entry (WINDOW_KEY) and its alarm, no SQLite tables, so
// opening a window is one write and one alarm (a wave opens a thousand: see
// durable/verification-window.ts). See schema/STORAGE.md.
//
// The window's name and the shapes of its RPC (durable/verification-window.ts) are here too, beside its
// storage, so that the services that call a window import no Durable Object class.

export type WindowStatus = "open" | "confirmed" | "expired" | "superseded";

/** The key of a window's one stored value; an object without it holds no window. */
export const WINDOW_KEY = "window";

/** The stored value under WINDOW_KEY. */
export type StoredWindow = {
	registration_id: string;
	generation: number;
	ticket_hash: string;
	opened_at: number;
	expires_at: number;
	status: WindowStatus;
};

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
