// VerificationWindow's storage. A window is ONE key-value entry ("window") and its alarm: opening a
// thousand windows a wave, the object makes no tables (see durable/verification-window.ts). The first
// version kept the same fields in SQLite tables; an object that still has them moves its row to the
// entry and drops them the first time it is loaded. See schema/STORAGE.md.
export const LEGACY_STATE_TABLES = ["state", "_schema_version"] as const;

// The window's name and the shapes of its RPC (durable/verification-window.ts), here beside its storage
// so that the services that call a window import no Durable Object class.

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
