import { describe, expect, it } from "vitest";
import { cards } from "../../schema/d1.ts";
import { AppError } from "../../workers/errors.ts";
import { verifyNhiCardProof, type NhiCardProof } from "../../workers/services/card-proof.ts";
import { issueChallenge } from "../../workers/services/challenges.ts";
import { makePerson, testDb } from "../fixtures/index.ts";
import { freshCardNo } from "../fixtures/sign-in.ts";
import { makeCardKey, signCardChallenge, tamper, type TestCardKey } from "../fixtures/pki.ts";

const db = testDb();
const ORIGIN = "https://portal.test";


/** A person with a card in the registry; `status` lost or replaced makes it a no-longer-valid card. */
async function cardHolder(status: "active" | "lost" | "replaced" = "active") {
	const person = await makePerson(db);
	const key = await makeCardKey();
	const cardNo = freshCardNo();
	await db.insert(cards).values({ cardNo, idNo: person.idNo, issuedOn: "2020-01-01", status, publicKey: key.publicJwkText });
	return { person, key, cardNo };
}

/** A challenge for one browser tab, answered by `key` as the reader helper would. */
async function answer(
	holder: { key: TestCardKey; cardNo: string },
	over: { purpose?: NhiCardProof["purpose"]; signedOrigin?: string; signedCardNo?: string } = {},
): Promise<NhiCardProof> {
	const purpose = over.purpose ?? "nhi-card";
	const bindingHash = crypto.randomUUID();
	const issued = await issueChallenge(db, purpose, bindingHash);
	const signature = await signCardChallenge(holder.key, over.signedOrigin ?? ORIGIN, issued.challenge, over.signedCardNo ?? holder.cardNo);
	return { purpose, challengeId: issued.id, bindingHash, origin: ORIGIN, cardNo: holder.cardNo, signature };
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
	const err = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
	return err;
}

describe("NHI card proof", () => {
	it("accepts the card's own signature and names the registry's holder", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder);

		expect(await verifyNhiCardProof(db, proof)).toEqual({ idNo: holder.person.idNo, cardNo: holder.cardNo });
	});

	it("serves the registrant's e-mail verification with its own purpose", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder, { purpose: "registrant-card" });

		expect((await verifyNhiCardProof(db, proof)).idNo).toBe(holder.person.idNo);
	});

	it("refuses a challenge issued for sign-in when used for the registrant's verification", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder, { purpose: "nhi-card" });

		const err = await refusal(verifyNhiCardProof(db, { ...proof, purpose: "registrant-card" }));
		expect(err.message).toBe("驗證碼已失效，請重新讀取。");
	});

	it("refuses a card reported lost, and one replaced by a newer card", async () => {
		for (const status of ["lost", "replaced"] as const) {
			const holder = await cardHolder(status);
			const err = await refusal(verifyNhiCardProof(db, await answer(holder)));
			expect(err.code).toBe("FORBIDDEN");
			expect(err.message).toContain("已掛失或已換發");
		}
	});

	it("refuses a card number the registry does not know", async () => {
		const holder = await cardHolder();
		const stranger = { key: holder.key, cardNo: freshCardNo() };

		const err = await refusal(verifyNhiCardProof(db, await answer(stranger)));
		expect(err.message).toContain("查無此健保卡");
	});

	it("refuses a replayed answer: the challenge is spent by the first", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder);
		await verifyNhiCardProof(db, proof);

		const err = await refusal(verifyNhiCardProof(db, proof));
		expect(err.message).toBe("驗證碼已失效，請重新讀取。");
	});

	it("refuses an answer relayed from another session", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder);

		const err = await refusal(verifyNhiCardProof(db, { ...proof, bindingHash: crypto.randomUUID() }));
		expect(err.message).toBe("驗證碼已失效，請重新讀取。");
	});

	it("refuses a tampered signature, and the challenge is used up all the same", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder);

		expect((await refusal(verifyNhiCardProof(db, { ...proof, signature: tamper(proof.signature) }))).message).toBe("健保卡簽章驗證失敗，請重新讀取。");
		expect((await refusal(verifyNhiCardProof(db, proof))).message).toBe("驗證碼已失效，請重新讀取。");
	});

	it("refuses a signature the card made for another site's page", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder, { signedOrigin: "https://phishing.example" });

		expect((await refusal(verifyNhiCardProof(db, proof))).message).toBe("健保卡簽章驗證失敗，請重新讀取。");
	});

	it("refuses another card's key answering under this card's number", async () => {
		const victim = await cardHolder();
		const attacker = await cardHolder();
		const proof = await answer({ key: attacker.key, cardNo: victim.cardNo });

		expect((await refusal(verifyNhiCardProof(db, proof))).message).toBe("健保卡簽章驗證失敗，請重新讀取。");
	});

	it("refuses a signature over another card number", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder, { signedCardNo: freshCardNo() });

		expect((await refusal(verifyNhiCardProof(db, proof))).message).toBe("健保卡簽章驗證失敗，請重新讀取。");
	});

	it("refuses a signature that is not base64url P1363", async () => {
		const holder = await cardHolder();
		const proof = await answer(holder);

		expect((await refusal(verifyNhiCardProof(db, { ...proof, signature: "not a signature!" }))).message).toBe("健保卡簽章驗證失敗，請重新讀取。");
	});
});
