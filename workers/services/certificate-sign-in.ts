// Sign-in with a certificate card (SPEC §7): 自然人憑證 (MOICA) for a person, 工商憑證 (MOEACA) for a
// unit's manager. The PIN never reaches the portal: the reader helper checks it on the card and returns
// only the certificate and its signature over the challenge.
//
// 自然人憑證: the certificate's name and last 4 of the ID must match the typed ID's person, but that
// never suffices (issue 14.1): the certificate must be bound to that person (certificate-bindings.ts).
// An unbound one is bound at once when the ID-match port says it was issued to the typed ID; otherwise
// the sign-in stops and asks for the person's NHI card sign-in in the same browser, which binds it.
//
// The 工商憑證 session model. Sessions belong to a person (sessions.id_no → people), and a 工商憑證
// names a company, not a person. So the MOEACA sign-in also asks for the ID number of the person at the
// keyboard, and:
// - that person must be an active 單位管理者 (unit_staff role manager) of one of the units registered under
//   the certificate's 統一編號;
// - a unit that has no active manager at all takes the typed ID as its manager only once that person has
//   proven themselves with their own NHI card or bound 自然人憑證 in the same browser (issue 14.4): until
//   then nothing is written and no session starts; both steps are audited (staff.manager.claim, then
//   staff.manager.moeaca);
// - the typed ID is not proven by the certificate (anyone holding the company card and its PIN could type
//   any manager's ID), so the session is scoped: sessions.acting_ban holds the certificate's 統一編號 and
//   the session may act only for that company's units, never for the person's other units, and it may
//   not bind passkeys (a passkey would outlive the scope and act as the person everywhere).
import { eq, inArray } from "drizzle-orm";
import { people, unitStaff } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import { isValidIdNo } from "../domain/national-id.ts";
import { normalizeIdNo } from "../domain/normalize.ts";
import type { Db } from "../env.ts";
import { audit } from "./audit.ts";
import { bindCertificate, boundPerson, leavePendingProof } from "./certificate-bindings.ts";
import { matchMoicaPerson, unitForMoeaca, verifyCertificateProof, type CertificateProofResult } from "./certificate-proof.ts";
import { spendChallenge } from "./challenges.ts";
import type { IdMatchPort } from "./id-match.ts";
import { proofMessage, refuse, succeed, type SignInOutcome } from "./sign-in.ts";

export type CertificateSignIn = {
	/** The ID number the person typed. */
	idNo: string;
	challengeId: string;
	/** SHA-256 of the browser's pre-session token. */
	bindingHash: string;
	/** The portal page's origin as the server knows it. */
	origin: string;
	/** base64 DER, as the reader helper returns it. */
	certificate: string;
	/** CA certificates above it (base64 DER) the helper passed along, for the chain. */
	chain?: readonly string[];
	signature: string;
	trustedRootsPem: string;
};

export const ID_NO_INVALID_MESSAGE = "身分證號格式錯誤，請重新輸入。";
const UNKNOWN_PERSON_MESSAGE = "查無此身分證號之人員資料，請確認輸入的是您本人的身分證號。";
const NOT_YOURS_MESSAGE = "憑證與身分證號不符。";
export const BINDING_PENDING_MESSAGE =
	"此自然人憑證尚未綁定您的帳號。請於 15 分鐘內在本頁以您本人的健保卡及註冊密碼登入，即完成綁定；日後即可直接以此自然人憑證登入。";
export const CLAIM_PENDING_MESSAGE =
	"工商憑證已驗證。此投保單位尚無單位管理者：請於 15 分鐘內在本頁以您本人的健保卡（及註冊密碼）或已綁定的自然人憑證登入，確認身分後即成為單位管理者。";

/** The typed ID, normalised, or null when it is not a valid ID number (checked before any card work). */
export function typedIdNo(raw: string): string | null {
	const idNo = normalizeIdNo(raw);
	return isValidIdNo(idNo) ? idNo : null;
}

async function verifiedCertificate(db: Db, input: CertificateSignIn, purpose: "moica" | "moeaca", now: number): Promise<CertificateProofResult> {
	const { challenge } = await spendChallenge(db, input.challengeId, purpose, input.bindingHash, now);
	return verifyCertificateProof({
		certificateDer: input.certificate,
		chain: input.chain ?? [],
		signature: input.signature,
		origin: input.origin,
		challenge,
		trustedRootsPem: input.trustedRootsPem,
		now,
	});
}

export async function signInWithMoica(db: Db, input: CertificateSignIn, idMatch: IdMatchPort | null, now = Date.now()): Promise<SignInOutcome> {
	const idNo = typedIdNo(input.idNo);
	if (!idNo) return { ok: false, code: "PROOF_REFUSED", message: ID_NO_INVALID_MESSAGE };
	let result: CertificateProofResult;
	try {
		result = await verifiedCertificate(db, input, "moica", now);
		// Kind and last-4 of the ID now (the name is compared once the person is found), so that only the
		// holder of a matching certificate learns whether the ID is known here.
		matchMoicaPerson(result, { idNo, name: result.name });
	} catch (err) {
		return refuse(db, idNo, "moica", "PROOF_REFUSED", proofMessage(err), now);
	}
	const person = await db.select({ name: people.name }).from(people).where(eq(people.idNo, idNo)).get();
	if (!person) return refuse(db, idNo, "moica", "UNKNOWN_PERSON", UNKNOWN_PERSON_MESSAGE, now);
	try {
		matchMoicaPerson(result, { idNo, name: person.name });
	} catch (err) {
		return refuse(db, idNo, "moica", "PROOF_REFUSED", proofMessage(err), now);
	}

	const bound = await boundPerson(db, result);
	if (bound !== null && bound !== idNo) return refuse(db, idNo, "moica", "PROOF_REFUSED", NOT_YOURS_MESSAGE, now);
	if (bound === null) {
		const answer = idMatch ? await idMatch.matches(input.certificate, idNo) : "unknown";
		if (answer === "mismatch") return refuse(db, idNo, "moica", "PROOF_REFUSED", NOT_YOURS_MESSAGE, now);
		if (answer === "unknown") {
			await leavePendingProof(db, "certificate-binding", { bindingHash: input.bindingHash, idNo, cert: result }, now);
			return refuse(db, idNo, "moica", "BINDING_PENDING", BINDING_PENDING_MESSAGE, now);
		}
		await bindCertificate(db, result, idNo, "id-match", now);
	}
	return succeed(db, idNo, "moica", now, { detail: `certificate ${result.serial}` });
}

export async function signInWithMoeaca(db: Db, input: CertificateSignIn, now = Date.now()): Promise<SignInOutcome> {
	const idNo = typedIdNo(input.idNo);
	if (!idNo) return { ok: false, code: "PROOF_REFUSED", message: ID_NO_INVALID_MESSAGE };
	let result: CertificateProofResult;
	let unitCodes: string[];
	try {
		result = await verifiedCertificate(db, input, "moeaca", now);
		unitCodes = (await unitForMoeaca(db, result)).map((u) => u.code);
	} catch (err) {
		return refuse(db, idNo, "moeaca", "PROOF_REFUSED", proofMessage(err), now);
	}
	const ban = result.ban ?? "";
	const person = await db.select({ email: people.email }).from(people).where(eq(people.idNo, idNo)).get();
	if (!person) return refuse(db, idNo, "moeaca", "UNKNOWN_PERSON", UNKNOWN_PERSON_MESSAGE, now);

	const staff = await db.select().from(unitStaff).where(inArray(unitStaff.unitCode, unitCodes)).all();
	const active = staff.filter((s) => s.revokedAt === null);
	const managerOf = active.filter((s) => s.idNo === idNo && s.role === "manager").map((s) => s.unitCode);
	if (managerOf.length > 0) return succeed(db, idNo, "moeaca", now, { actingBan: ban, detail: `統一編號 ${ban}; certificate ${result.serial}` });

	const leaderless = unitCodes.filter((code) => !active.some((s) => s.unitCode === code && s.role === "manager"));
	if (leaderless.length === 0) {
		return refuse(db, idNo, "moeaca", "NOT_MANAGER", "您不是此工商憑證所屬投保單位的單位管理者，無法以工商憑證登入；請洽單位管理者。", now);
	}
	// Step 1 of 2: the company card is proven, the typed ID is not. Nothing permanent until the person's own card.
	await leavePendingProof(db, "manager-claim", { bindingHash: input.bindingHash, idNo, cert: result, ban }, now);
	for (const unitCode of leaderless) {
		await audit(db, { actor: maskIdNo(idNo), unitCode, action: "staff.manager.claim", target: maskIdNo(idNo), detail: `工商憑證 ${result.serial}; awaiting the person's own card` }, now);
	}
	return { ok: false, code: "CLAIM_PENDING", message: CLAIM_PENDING_MESSAGE };
}
