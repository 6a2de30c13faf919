// Sign-in with a registered NHI card + 註冊密碼 (SPEC §7). The card proof says whose card it is (the
// card registry, card-proof.ts); the person must have completed registration (registrations verified
// and a credentials row, written by the e-mail verification); then the 註冊密碼 decides.
//
// Lock-out: LOCKOUT_THRESHOLD wrong passwords within LOCKOUT_WINDOW_MS lock the credentials until
// now + LOCKOUT_MS (credentials.locked_until), and every page says until when. Failures from before an
// earlier lock ended do not count again, so the first wrong password after a lock does not re-lock.
// Every success, failure and lock-out goes to the audit trail with the ID masked (SPEC §10).
import { and, count, eq, gt } from "drizzle-orm";
import { credentials, registrations, signInFailures } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import { normalizePassword } from "../domain/password.ts";
import { formatLogTime } from "../domain/taipei-time.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { hashPassword, needsRehash, verifyPassword } from "../lib/password-hash.ts";
import { audit } from "./audit.ts";
import { verifyNhiCardProof, type NhiCardProof } from "./card-proof.ts";
import type { SignInMethod } from "../domain/signed-in-person.ts";

export const LOCKOUT_THRESHOLD = 5;
export const LOCKOUT_WINDOW_MS = 15 * 60 * 1000;
export const LOCKOUT_MS = 15 * 60 * 1000;

/** Why a sign-in was refused: stable codes for the audit trail and the tests. */
export type SignInRefusal =
	| "PROOF_REFUSED"
	| "NOT_REGISTERED"
	| "WRONG_PASSWORD"
	| "LOCKED"
	| "UNKNOWN_PERSON"
	| "NOT_MANAGER"
	| "UNKNOWN_PASSKEY"
	// Not refusals but a first step: the person's own NHI card sign-in in this browser comes next.
	| "BINDING_PENDING"
	| "CLAIM_PENDING";

export type SignInOutcome =
	| { ok: true; idNo: string; method: SignInMethod; actingBan?: string }
	| { ok: false; code: SignInRefusal; message: string };

export const NOT_REGISTERED_MESSAGE =
	"此健保卡尚未完成健保卡網路服務註冊（電子郵件認證），無法以健保卡登入。請先依註冊通知信完成註冊，或改以自然人憑證登入。";

export function lockedMessage(until: number): string {
	return `密碼錯誤次數過多，帳號鎖定至 ${formatLogTime(until)}。`;
}

export type NhiCardSignIn = Omit<NhiCardProof, "purpose"> & { password: string };

export async function signInWithNhiCard(db: Db, input: NhiCardSignIn, now = Date.now()): Promise<SignInOutcome> {
	const { password, ...proof } = input;
	let idNo: string;
	try {
		({ idNo } = await verifyNhiCardProof(db, { ...proof, purpose: "nhi-card" }, now));
	} catch (err) {
		return refuse(db, null, "nhi-card", "PROOF_REFUSED", proofMessage(err), now);
	}

	const [registration, credential] = await Promise.all([
		db
			.select({ id: registrations.id })
			.from(registrations)
			.where(and(eq(registrations.idNo, idNo), eq(registrations.status, "verified")))
			.get(),
		db.select().from(credentials).where(eq(credentials.idNo, idNo)).get(),
	]);
	if (!registration || !credential) return refuse(db, idNo, "nhi-card", "NOT_REGISTERED", NOT_REGISTERED_MESSAGE, now);
	if (credential.lockedUntil !== null && credential.lockedUntil > now) {
		return refuse(db, idNo, "nhi-card", "LOCKED", lockedMessage(credential.lockedUntil), now);
	}

	const matched = await matchPassword(password, credential.passwordHash);
	if (!matched) {
		await db.insert(signInFailures).values({ idNo, at: now });
		const since = Math.max(now - LOCKOUT_WINDOW_MS, credential.lockedUntil ?? 0);
		const recent =
			(await db
				.select({ n: count() })
				.from(signInFailures)
				.where(and(eq(signInFailures.idNo, idNo), gt(signInFailures.at, since)))
				.get())?.n ?? 0;
		if (recent >= LOCKOUT_THRESHOLD) {
			const until = now + LOCKOUT_MS;
			await db.update(credentials).set({ lockedUntil: until }).where(eq(credentials.idNo, idNo));
			await audit(db, { actor: maskIdNo(idNo), action: "sign-in.locked", detail: `nhi-card; until ${until}` }, now);
			return { ok: false, code: "LOCKED", message: lockedMessage(until) };
		}
		const left = LOCKOUT_THRESHOLD - recent;
		return refuse(db, idNo, "nhi-card", "WRONG_PASSWORD", `註冊密碼錯誤，請重新輸入（再錯 ${left} 次將鎖定帳號 15 分鐘）。`, now);
	}

	await db.delete(signInFailures).where(eq(signInFailures.idNo, idNo));
	const rehash = matched === "as-typed" || needsRehash(credential.passwordHash) ? await hashPassword(normalizePassword(password)) : null;
	await db
		.update(credentials)
		.set(rehash ? { lockedUntil: null, passwordHash: rehash, updatedAt: now } : { lockedUntil: null })
		.where(eq(credentials.idNo, idNo));
	return succeed(db, idNo, "nhi-card", now);
}

/**
 * The typed 註冊密碼 against the stored hash: its NFKC form (how passwords are hashed now), or, for a
 * hash stored before that rule, the text as typed when NFKC changes it ("as-typed": the caller rehashes
 * it in NFKC form, so each such password migrates at its next sign-in).
 */
async function matchPassword(typed: string, stored: string): Promise<"nfkc" | "as-typed" | null> {
	const normalized = normalizePassword(typed);
	if (await verifyPassword(normalized, stored)) return "nfkc";
	if (normalized !== typed && (await verifyPassword(typed, stored))) return "as-typed";
	return null;
}

/** A proof verifier's refusal is shown as it is; anything else is a real error and goes to app.onError. */
export function proofMessage(err: unknown): string {
	if (err instanceof AppError && err.code === "FORBIDDEN") return err.message;
	throw err;
}

export async function refuse(
	db: Db,
	idNo: string | null,
	method: SignInMethod,
	code: SignInRefusal,
	message: string,
	now: number,
): Promise<SignInOutcome> {
	await audit(db, { actor: idNo ? maskIdNo(idNo) : null, action: "sign-in.failed", detail: `${method}; ${code}` }, now);
	return { ok: false, code, message };
}

export async function succeed(
	db: Db,
	idNo: string,
	method: SignInMethod,
	now: number,
	extra: { actingBan?: string; detail?: string } = {},
): Promise<SignInOutcome> {
	await audit(db, { actor: maskIdNo(idNo), action: "sign-in", detail: extra.detail ? `${method}; ${extra.detail}` : method }, now);
	return extra.actingBan ? { ok: true, idNo, method, actingBan: extra.actingBan } : { ok: true, idNo, method };
}
