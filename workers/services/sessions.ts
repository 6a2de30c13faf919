// Sessions (SPEC §7): the cookie holds a random token; D1 holds only its SHA-256. Unit access is
// recomputed from unit_staff on every request, so a revoked clerk loses access at once: their session
// ends at its next request, which tells them why (openSession). A 工商憑證
// session carries the certificate's 統一編號 (acting_ban) and sees only that company's units
// (certificate-sign-in.ts says why).
import { and, eq, isNull } from "drizzle-orm";
import { people, sessions, unitStaff, units } from "../../schema/d1.ts";
import type { SignedInPerson, SignInMethod, UnitAccess } from "../domain/signed-in-person.ts";
import type { Db } from "../env.ts";
import { formatLogTime } from "../domain/taipei-time.ts";
import { randomToken, sha256Hex } from "../lib/crypto.ts";

export const SESSION_COOKIE = "__Host-session";
/** Idle time-out: 30 minutes without a request. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** Absolute time-out: 8 hours after sign-in, whatever the activity. */
export const SESSION_ABSOLUTE_MS = 8 * 60 * 60 * 1000;
/** lastSeenAt is written at most this often, so reads do not each cost a write. */
const TOUCH_EVERY_MS = 60 * 1000;

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

/** Why a session ended before its time-outs: a manager revoked one of the person's authorizations. */
export type SessionEnd = { reason: "revoked"; unitCode: string; unitName: string; at: number };

export type OpenedSession = { person: SignedInPerson; ended?: undefined } | { person: null; ended?: SessionEnd };

export async function loadSession(db: Db, token: string, now = Date.now()): Promise<SignedInPerson | null> {
	return (await openSession(db, token, now)).person;
}

/**
 * The session's person, or null — and when a manager revoked one of the person's authorizations after
 * they signed in (授權管理 註銷授權), why: the session ends at its next request, which says so (issue 15:
 * tell the revoked clerk why). `consume: false` (a script's JSON call) answers the same but leaves the
 * session for the page that will say it.
 */
export async function openSession(db: Db, token: string, now = Date.now(), { consume = true } = {}): Promise<OpenedSession> {
	const tokenHash = await sha256Hex(token);
	const row = await db
		.select({ s: sessions, name: people.name, email: people.email })
		.from(sessions)
		.innerJoin(people, eq(people.idNo, sessions.idNo))
		.where(eq(sessions.tokenHash, tokenHash))
		.get();
	if (!row) return { person: null };
	const { s } = row;
	if (now - s.lastSeenAt > SESSION_IDLE_MS || now - s.createdAt > SESSION_ABSOLUTE_MS) {
		await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
		return { person: null };
	}
	// Every authorization of the person, current or revoked, in one query: the units they act for now,
	// and any revoked since this session began.
	const staff = await db
		.select({ code: units.code, name: units.name, role: unitStaff.role, ban: units.ban, revokedAt: unitStaff.revokedAt })
		.from(unitStaff)
		.innerJoin(units, eq(units.code, unitStaff.unitCode))
		.where(eq(unitStaff.idNo, s.idNo))
		.orderBy(units.code)
		.all();
	const revoked = staff.find((a) => a.revokedAt !== null && a.revokedAt >= s.createdAt);
	if (revoked && revoked.revokedAt !== null) {
		if (consume) await db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));
		return { person: null, ended: { reason: "revoked", unitCode: revoked.code, unitName: revoked.name, at: revoked.revokedAt } };
	}
	if (now - s.lastSeenAt > TOUCH_EVERY_MS) {
		await db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));
	}
	const current = staff.filter((a) => a.revokedAt === null && (s.actingBan === null || a.ban === s.actingBan));
	return {
		person: {
			idNo: s.idNo,
			name: row.name,
			email: row.email,
			method: s.method,
			actingBan: s.actingBan,
			csrfToken: s.csrfToken,
			tokenHash,
			units: current.map((a) => ({ code: a.code, name: a.name, role: a.role })),
		},
	};
}

/** What the page tells a person whose session a revocation ended. */
export function sessionEndMessage(end: SessionEnd): string {
	return `您在「${end.unitCode} ${end.unitName}」的承辦人授權已由單位管理者於${formatLogTime(end.at)}註銷，登入狀態已失效。如有疑問，請洽貴單位的單位管理者。`;
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
