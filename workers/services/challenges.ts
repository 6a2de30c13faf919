// Server challenges for card, certificate and passkey proofs (SPEC §6, §7): 32 random bytes, single
// use, two minutes to live, and bound to the browser that asked for them (bindingHash = SHA-256 of
// its session or pre-session cookie token), so a challenge read in one tab or device cannot be
// answered from another, nor answered twice.
import { and, eq, gt, isNull, type SQL } from "drizzle-orm";
import { challenges, type ChallengePurpose } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { randomToken } from "../lib/crypto.ts";

/** Long enough to insert a card and type a PIN, short enough that a stolen one soon dies. */
export const CHALLENGE_TTL_MS = 2 * 60 * 1000;
const CHALLENGE_BYTES = 32;

export const CHALLENGE_SPENT_MESSAGE = "驗證碼已失效，請重新讀取。";

export type IssuedChallenge = { id: string; challenge: string; expiresAt: number };

export async function issueChallenge(db: Db, purpose: ChallengePurpose, bindingHash: string, now = Date.now()): Promise<IssuedChallenge> {
	const issued = { id: randomToken(16), challenge: randomToken(CHALLENGE_BYTES), expiresAt: now + CHALLENGE_TTL_MS };
	await db.insert(challenges).values({ ...issued, purpose, bindingHash, createdAt: now });
	return issued;
}

/**
 * Marks the challenge used and returns it, in one statement, so of two concurrent answers exactly one
 * wins. Expired, already used, issued for another purpose or to another browser: all refused alike,
 * without saying which (the message tells the user what to do either way).
 */
function usable(id: string, purpose: ChallengePurpose, bindingHash: string, now: number): SQL | undefined {
	return and(
		eq(challenges.id, id),
		isNull(challenges.usedAt),
		gt(challenges.expiresAt, now),
		eq(challenges.bindingHash, bindingHash),
		eq(challenges.purpose, purpose),
	);
}

/**
 * The challenge, still unspent, if it may be answered now by this browser for this purpose — for a
 * check that comes before the answer is used (the verification page's 讀取 asks whether the card is the
 * registrant's; 確定 then spends the same answer). Refused alike as spendChallenge refuses.
 */
export async function peekChallenge(db: Db, id: string, purpose: ChallengePurpose, bindingHash: string, now = Date.now()): Promise<{ challenge: string }> {
	const found = await db.select({ challenge: challenges.challenge }).from(challenges).where(usable(id, purpose, bindingHash, now)).get();
	if (!found) throw new AppError("FORBIDDEN", CHALLENGE_SPENT_MESSAGE);
	return found;
}

/** Uses the challenge up without an answer: a wrong signature must not be followed by another try. */
export async function burnChallenge(db: Db, id: string, now = Date.now()): Promise<void> {
	await db.update(challenges).set({ usedAt: now }).where(and(eq(challenges.id, id), isNull(challenges.usedAt)));
}

export async function spendChallenge(
	db: Db,
	id: string,
	purpose: ChallengePurpose,
	bindingHash: string,
	now = Date.now(),
): Promise<{ challenge: string }> {
	const spent = await db
		.update(challenges)
		.set({ usedAt: now })
		.where(usable(id, purpose, bindingHash, now))
		.returning({ challenge: challenges.challenge })
		.get();
	if (!spent) throw new AppError("FORBIDDEN", CHALLENGE_SPENT_MESSAGE);
	return spent;
}
