// NHI card proof (SPEC §6, §7): the reader helper signs the server's challenge with the inserted
// card's key. Whose card it is comes only from the card registry (cards), never from the basic data
// the browser relays: the browser says which card number answered, the registry says whose it is and
// whether it is still current, and the card's registered key decides whether the answer is genuine.
import { eq } from "drizzle-orm";
import { cards } from "../../schema/d1.ts";
import { decodeBase64, nhiCardSignedText, utf8 } from "../domain/proof-payloads.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { burnChallenge, peekChallenge, spendChallenge } from "./challenges.ts";

export type NhiCardProof = {
	/** "nhi-card" for sign-in, "registrant-card" for the registrant's e-mail verification. */
	purpose: "nhi-card" | "registrant-card";
	challengeId: string;
	/** SHA-256 of the asking browser's session or pre-session token. */
	bindingHash: string;
	/** The portal page's origin as the server knows it (not the request's Origin header taken on trust). */
	origin: string;
	cardNo: string;
	/** ECDSA P-256 / SHA-256 signature, IEEE P1363 (r‖s), base64url. */
	signature: string;
};

const CARD_NO = /^\d{12}$/;
const P1363_P256_BYTES = 64;

export async function verifyNhiCardProof(db: Db, proof: NhiCardProof, now = Date.now()): Promise<{ idNo: string; cardNo: string }> {
	// Spent first: a wrong answer also uses up the challenge, so signatures cannot be tried one by one.
	const { challenge } = await spendChallenge(db, proof.challengeId, proof.purpose, proof.bindingHash, now);
	return checkAnswer(db, proof, challenge);
}

/**
 * The same check, but a genuine answer leaves its challenge unspent, for the proof that is to be used
 * next (the verification page checks the card at 讀取, and 確定 spends the answer). A wrong answer
 * still uses the challenge up.
 */
export async function checkNhiCardProof(db: Db, proof: NhiCardProof, now = Date.now()): Promise<{ idNo: string; cardNo: string }> {
	const { challenge } = await peekChallenge(db, proof.challengeId, proof.purpose, proof.bindingHash, now);
	try {
		return await checkAnswer(db, proof, challenge);
	} catch (err) {
		await burnChallenge(db, proof.challengeId, now);
		throw err;
	}
}

async function checkAnswer(db: Db, proof: NhiCardProof, challenge: string): Promise<{ idNo: string; cardNo: string }> {
	if (!CARD_NO.test(proof.cardNo)) throw new AppError("FORBIDDEN", "健保卡卡號格式不符，請重新讀取。");

	const card = await db.select().from(cards).where(eq(cards.cardNo, proof.cardNo)).get();
	if (!card) throw new AppError("FORBIDDEN", "查無此健保卡資料，請確認插入的是您本人的健保卡。");
	if (card.status !== "active") {
		throw new AppError("FORBIDDEN", "此健保卡已掛失或已換發，無法使用，請改用最新的健保卡。");
	}

	const signature = decodeBase64(proof.signature);
	if (!signature || signature.length !== P1363_P256_BYTES) throw new AppError("FORBIDDEN", "健保卡簽章驗證失敗，請重新讀取。");
	const key = await importCardKey(card.publicKey);
	const data = utf8(nhiCardSignedText({ origin: proof.origin, challenge, cardNo: card.cardNo }));
	const genuine = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
	if (!genuine) throw new AppError("FORBIDDEN", "健保卡簽章驗證失敗，請重新讀取。");
	return { idNo: card.idNo, cardNo: card.cardNo };
}

/** The registry's JWK (public part only); a malformed one is our data's fault, not the user's. */
async function importCardKey(jwkText: string): Promise<CryptoKey> {
	let jwk: unknown;
	try {
		jwk = JSON.parse(jwkText);
	} catch {
		jwk = null;
	}
	if (
		typeof jwk !== "object" ||
		jwk === null ||
		!("kty" in jwk && jwk.kty === "EC") ||
		!("crv" in jwk && jwk.crv === "P-256") ||
		!("x" in jwk && typeof jwk.x === "string") ||
		!("y" in jwk && typeof jwk.y === "string")
	) {
		throw new AppError("INTERNAL", undefined, { reason: "card key is not a P-256 JWK" });
	}
	return crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
}
