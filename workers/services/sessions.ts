// Sessions (SPEC §7): the cookie holds a random token; D1 holds only its SHA-256. Unit access is
// recomputed from unit_staff on every request, so a revoked clerk loses access at once. A 工商憑證
// session carries the certificate's 統一編號 (acting_ban) and sees only that company's units
// (certificate-sign-in.ts says why).
import { and, eq, isNull } from "drizzle-orm";
import { people, sessions, unitStaff, units, type StaffRole } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { randomToken, sha256Hex } from "../lib/crypto.ts";

export const SESSION_COOKIE = "__Host-session";
/** Idle time-out: 30 minutes without a request. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** Absolute time-out: 8 hours after sign-in, whatever the activity. */
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often, so reads do not each cost a write. */
const TOUCH_EVERY_MS = 60 * 1000;

export type SignInMethod = "nhi-card" | "moica" | "moeaca" | "passkey" | "demo";

export type UnitAccess = { code: string; name: string; role: StaffRole };

export type SignedInPerson = {
	idNo: string;
	name: string;
	email: string | null;
	method: string;
	/** 工商憑證 sign-in: the 統一編號 the session is limited to; null otherwise. */
	actingBan: string | null;
	csrfToken: string;
	tokenHash: string;
	units: UnitAccess[];
};

export async function createSession(db: Db, idNo: string, method: SignInMethod, now = Date.now(), actingBan: string | null = null): Promise<string> {
	const token = randomToken();
	await db.insert(sessions).values({
		tokenHash: await sha256Hex(token),
		idNo,
		csrfToken: randomToken(24),
		method,
		actingBan,
		createdAt: now,
		lastSeenAt: now,
	});
	return token;
}

export async function loadSession(db: Db, token: string, now = Date.now()): Promise<SignedInPerson | null> {
	const tokenHash = await sha256Hex(token);
	const row = await db
		.select({ s: sessions, name: people.name, email: people.email })
		.from(sessions)
		.innerJoin(people, eq(people.idNo, sessions.idNo))
		.where(eq(sessions.tokenHash, tokenHash))
		.get();
	if (!row) return null;
	const { s } = row;
	if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_ABSOLUTE_MS) {
		await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
		return null;
	}
	if (now - s.lastSeenAt > TOUCH_EVERY_MS) {
		await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));
	}
	return {
		idNo: s.idNo,
		name: row.name,
		email: row.email,
		method: s.method,
		actingBan: s.actingBan,
		csrfToken: s.csrfToken,
		tokenHash,
		units: await unitsOf(db, s.idNo, s.actingBan),
	};
}

export async function endSession(db: Db, tokenHash: string): Promise<void> {
	await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
}

/** The units a person may act for now, with their role in each (only the 統一編號's units when `actingBan` is set). */
export async function unitsOf(db: Db, idNo: string, actingBan: string | null = null): Promise<UnitAccess[]> {
	return db
		.select({ code: units.code, name: units.name, role: unitStaff.role })
		.from(unitStaff)
		.innerJoin(units, eq(units.code, unitStaff.unitCode))
		.where(and(eq(unitStaff.idNo, idNo), isNull(unitStaff.revokedAt), actingBan === null ? undefined : eq(units.ban, actingBan)))
		.orderBy(units.code)
		.all();
}
