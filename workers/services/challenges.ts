// Server challenges for card, certificate and passkey proofs (SPEC §6, §7): 32 random bytes, single
// use, two minutes to live, and bound to the browser that asked for them (bindingHash = SHA-256 of
// its session or pre-session cookie token), so a challenge read in one tab or device cannot be
// answered from another, nor answered twice.
import { and, eq, gt, isNull } from "drizzle-orm";
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
		.where(
			and(
				eq(challenges.id, id),
				isNull(challenges.usedAt),
				gt(challenges.expiresAt, now),
				eq(challenges.bindingHash, bindingHash),
				eq(challenges.purpose, purpose),
			),
		)
		.returning({ challenge: challenges.challenge })
		.get();
	if (!spent) throw new AppError("FORBIDDEN", CHALLENGE_SPENT_MESSAGE);
	return spent;
}
