// Sign-in with a certificate card (SPEC §7): 自然人憑證 (MOICA) for a person, 工商憑證 (MOEACA) for a
// unit's manager. The PIN never reaches the portal: the reader helper checks it on the card and returns
// only the certificate and its signature over the challenge.
//
// The 工商憑證 session model. Sessions belong to a person (sessions.id_no → people), and a 工商憑證
// names a company, not a person. So the MOEACA sign-in also asks for the ID number of the person at the
// keyboard, and:
// - that person must be an active 單位管理者 (unit_staff role manager) of one of the units registered under
//   the certificate's 統一編號; a unit that has no active manager at all takes them as its manager (the
//   company card is the unit's own authority; audited as staff.manager.moeaca);
// - the typed ID is not proven by the certificate (anyone holding the company card and its PIN could type
//   any manager's ID), so the session is scoped: sessions.acting_ban holds the certificate's 統一編號 and
//   the session may act only for that company's units, never for the person's other units, and it may
//   not bind passkeys (a passkey would outlive the scope and act as the person everywhere).
import { and, eq, inArray } from "drizzle-orm";
import { people, unitStaff } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import { isValidIdNo } from "../domain/national-id.ts";
import { normalizeIdNo } from "../domain/normalize.ts";
import type { Db } from "../env.ts";
import { audit } from "./audit.ts";
import { matchMoicaPerson, unitForMoeaca, verifyCertificateProof, type CertificateProofResult } from "./certificate-proof.ts";
import { spendChallenge } from "./challenges.ts";
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
	signature: string;
	trustedRootsPem: string;
};

export const ID_NO_INVALID_MESSAGE = "身分證號格式錯誤，請重新輸入。";
const UNKNOWN_PERSON_MESSAGE = "查無此身分證號之人員資料，請確認輸入的是您本人的身分證號。";

/** The typed ID, normalised, or null when it is not a valid ID number (checked before any card work). */
export function typedIdNo(raw: string): string | null {
	const idNo = normalizeIdNo(raw);
	return isValidIdNo(idNo) ? idNo : null;
}

async function verifiedCertificate(db: Db, input: CertificateSignIn, purpose: "moica" | "moeaca", now: number): Promise<CertificateProofResult> {
	const { challenge } = await spendChallenge(db, input.challengeId, purpose, input.bindingHash, now);
	return verifyCertificateProof({
		certificateDer: input.certificate,
		signature: input.signature,
		origin: input.origin,
		challenge,
		trustedRootsPem: input.trustedRootsPem,
		now,
	});
}

export async function signInWithMoica(db: Db, input: CertificateSignIn, now = Date.now()): Promise<SignInOutcome> {
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
	let managerOf = active.filter((s) => s.idNo === idNo && s.role === "manager").map((s) => s.unitCode);
	const leaderless = unitCodes.filter((code) => !active.some((s) => s.unitCode === code && s.role === "manager"));
	for (const unitCode of leaderless) {
		await becomeManager(db, unitCode, idNo, person.email, staff.some((s) => s.unitCode === unitCode && s.idNo === idNo), result.serial, now);
		managerOf = [...managerOf, unitCode];
	}
	if (managerOf.length === 0) {
		return refuse(db, idNo, "moeaca", "NOT_MANAGER", "您不是此工商憑證所屬投保單位的單位管理者，無法以工商憑證登入；請洽單位管理者。", now);
	}
	return succeed(db, idNo, "moeaca", now, { actingBan: ban, detail: `統一編號 ${ban}; certificate ${result.serial}` });
}

/** A unit without an active manager takes the 工商憑證's holder as its manager (a revoked or clerk row is turned into it). */
async function becomeManager(db: Db, unitCode: string, idNo: string, email: string | null, hasRow: boolean, serial: string, now: number): Promise<void> {
	const row = { role: "manager" as const, authorizedBy: `工商憑證 ${serial}`, authorizedAt: now, revokedAt: null };
	if (hasRow) {
		await db
			.update(unitStaff)
			.set(row)
			.where(and(eq(unitStaff.unitCode, unitCode), eq(unitStaff.idNo, idNo)));
	} else {
		await db.insert(unitStaff).values({ ...row, unitCode, idNo, email: email ?? "" });
	}
	await audit(db, { actor: maskIdNo(idNo), unitCode, action: "staff.manager.moeaca", target: maskIdNo(idNo), detail: `certificate ${serial}` }, now);
}

