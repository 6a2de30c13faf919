import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { challenges } from "../../schema/d1.ts";
import { AppError } from "../../workers/errors.ts";
import { CHALLENGE_TTL_MS, issueChallenge, spendChallenge } from "../../workers/services/challenges.ts";
import { testDb } from "../fixtures/index.ts";

const db = testDb();
const SPENT = "驗證碼已失效，請重新讀取。";

function browser(): string {
	return crypto.randomUUID().replaceAll("-", "");
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
	const err = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
	return err;
}

describe("server challenges", () => {
	it("issues 32 random bytes in base64url that live two minutes", async () => {
		const now = Date.now();
		const issued = await issueChallenge(db, "nhi-card", browser(), now);

		expect(issued.challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
		expect(issued.expiresAt).toBe(now + CHALLENGE_TTL_MS);
		expect(CHALLENGE_TTL_MS).toBe(120_000);
		const other = await issueChallenge(db, "nhi-card", browser(), now);
		expect(other.challenge).not.toBe(issued.challenge);
		expect(other.id).not.toBe(issued.id);
	});

	it("gives the challenge back once and refuses the replay", async () => {
		const tab = browser();
		const issued = await issueChallenge(db, "moica", tab);

		expect(await spendChallenge(db, issued.id, "moica", tab)).toEqual({ challenge: issued.challenge });
		const replay = await refusal(spendChallenge(db, issued.id, "moica", tab));
		expect(replay.code).toBe("FORBIDDEN");
		expect(replay.message).toBe(SPENT);
		const row = await db.select().from(challenges).where(eq(challenges.id, issued.id)).get();
		expect(row?.usedAt).not.toBeNull();
	});

	it("refuses a challenge issued to another browser and leaves it for its owner", async () => {
		const owner = browser();
		const issued = await issueChallenge(db, "nhi-card", owner);

		expect((await refusal(spendChallenge(db, issued.id, "nhi-card", browser()))).message).toBe(SPENT);
		expect(await spendChallenge(db, issued.id, "nhi-card", owner)).toEqual({ challenge: issued.challenge });
	});

	it("refuses a challenge after its two minutes", async () => {
		const tab = browser();
		const now = Date.now();
		const issued = await issueChallenge(db, "nhi-card", tab, now);

		expect((await refusal(spendChallenge(db, issued.id, "nhi-card", tab, now + CHALLENGE_TTL_MS))).message).toBe(SPENT);
	});

	it("refuses a challenge answered for another purpose", async () => {
		const tab = browser();
		const issued = await issueChallenge(db, "registrant-card", tab);

		expect((await refusal(spendChallenge(db, issued.id, "nhi-card", tab))).message).toBe(SPENT);
		expect(await spendChallenge(db, issued.id, "registrant-card", tab)).toEqual({ challenge: issued.challenge });
	});

	it("refuses an id that was never issued", async () => {
		expect((await refusal(spendChallenge(db, "no-such-challenge", "nhi-card", browser()))).message).toBe(SPENT);
	});

	it("lets exactly one of two tabs answering at once win", async () => {
		const tab = browser();
		const issued = await issueChallenge(db, "nhi-card", tab);

		const results = await Promise.allSettled([spendChallenge(db, issued.id, "nhi-card", tab), spendChallenge(db, issued.id, "nhi-card", tab)]);
		expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
		expect(results.filter((r) => r.status === "rejected")).toHaveLength(1);
	});
});
