// Which person a 自然人憑證 belongs to (issue 14.1). A certificate names its holder only by name and
// the last 4 characters of the ID, which never suffice: before it signs anyone in alone it must be
// bound to one person, by issuer + serial and the SHA-256 of its public key, either
// - by the ID-match port (id-match.ts) saying it was issued to the typed ID, or
// - by that person's own NHI card sign-in (card + 註冊密碼) in the same browser within 15 minutes of
//   the certificate's first sign-in, which left a pending proof bound to the pre-session.
// The same pending proof carries a 工商憑證 holder's claim to a unit without a manager (issue 14.4):
// the typed ID becomes the unit's manager only once that person proves themselves with their own card
// or bound certificate. Bindings end when the person's staff authorization is revoked.
import { and, eq, gt, isNull } from "drizzle-orm";
import { certificateBindings, pendingProofs, people, unitStaff, units, type PendingProofKind } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import type { Db } from "../env.ts";
import { audit } from "./audit.ts";
import type { CertificateProofResult } from "./certificate-proof.ts";
import type { SignInMethod } from "../domain/signed-in-person.ts";

/** How long a pending proof waits for the person's own card. */
export const PENDING_PROOF_MS = 15 * 60 * 1000;

type CertificateKey = Pick<CertificateProofResult, "issuer" | "serial" | "publicKeySha256">;

/** The person the certificate is bound to, or null (unbound, revoked, or a different key under that serial). */
export async function boundPerson(db: Db, cert: CertificateKey): Promise<string | null> {
	const row = await db
		.select({ idNo: certificateBindings.idNo, key: certificateBindings.publicKeySha256 })
		.from(certificateBindings)
		.where(and(eq(certificateBindings.issuer, cert.issuer), eq(certificateBindings.serial, cert.serial), isNull(certificateBindings.revokedAt)))
		.get();
	return row && row.key === cert.publicKeySha256 ? row.idNo : null;
}

export async function bindCertificate(db: Db, cert: CertificateKey, idNo: string, boundBy: "nhi-card" | "id-match", now: number): Promise<void> {
	const row = { idNo, publicKeySha256: cert.publicKeySha256, boundBy, boundAt: now, revokedAt: null };
	await db
		.insert(certificateBindings)
		.values({ issuer: cert.issuer, serial: cert.serial, ...row })
		.onConflictDoUpdate({ target: [certificateBindings.issuer, certificateBindings.serial], set: row });
	await audit(db, { actor: maskIdNo(idNo), action: "certificate.bind", target: cert.serial, detail: `自然人憑證 bound by ${boundBy}` }, now);
}

/** Ends every binding of the person's certificates (their authorization was revoked). */
export async function revokeBindingsOf(db: Db, idNo: string, now: number): Promise<number> {
	const ended = await db
		.update(certificateBindings)
		.set({ revokedAt: now })
		.where(and(eq(certificateBindings.idNo, idNo), isNull(certificateBindings.revokedAt)))
		.returning({ serial: certificateBindings.serial })
		.all();
	for (const { serial } of ended) await audit(db, { actor: maskIdNo(idNo), action: "certificate.unbind", target: serial, detail: "staff authorization revoked" }, now);
	return ended.length;
}

/** Leaves a pending proof for this browser: the person's own card sign-in completes it. */
export async function leavePendingProof(
	db: Db,
	kind: PendingProofKind,
	input: { bindingHash: string; idNo: string; cert: CertificateKey; ban?: string },
	now: number,
): Promise<void> {
	const row = {
		idNo: input.idNo,
		certificateIssuer: input.cert.issuer,
		certificateSerial: input.cert.serial,
		publicKeySha256: input.cert.publicKeySha256,
		ban: input.ban ?? null,
		createdAt: now,
		expiresAt: now + PENDING_PROOF_MS,
	};
	await db
		.insert(pendingProofs)
		.values({ bindingHash: input.bindingHash, kind, ...row })
		.onConflictDoUpdate({ target: [pendingProofs.bindingHash, pendingProofs.kind], set: row });
}

/**
 * After `idNo` proved themselves in this browser (`method`: their NHI card, or a bound 自然人憑證),
 * completes what their earlier certificate sign-in left pending: binds the 自然人憑證 (NHI card only)
 * and makes them manager of the 工商憑證's units that still have no manager. Pending proofs of another
 * ID are left alone (they expire).
 */
export async function completePendingProofs(db: Db, bindingHash: string, idNo: string, method: SignInMethod, now: number): Promise<void> {
	if (method !== "nhi-card" && method !== "moica") return;
	const pending = await db
		.delete(pendingProofs)
		.where(and(eq(pendingProofs.bindingHash, bindingHash), eq(pendingProofs.idNo, idNo), gt(pendingProofs.expiresAt, now)))
		.returning()
		.all();
	for (const p of pending) {
		const cert = { issuer: p.certificateIssuer, serial: p.certificateSerial, publicKeySha256: p.publicKeySha256 };
		if (p.kind === "certificate-binding" && method === "nhi-card") await bindCertificate(db, cert, idNo, "nhi-card", now);
		if (p.kind === "manager-claim" && p.ban) await claimLeaderlessUnits(db, idNo, p.ban, `工商憑證 ${p.certificateSerial}`, method, now);
	}
}

/** The 工商憑證's units that have no active manager take `idNo` as their manager (step 2 of the claim, audited). */
async function claimLeaderlessUnits(db: Db, idNo: string, ban: string, authorizedBy: string, method: SignInMethod, now: number): Promise<void> {
	const [person, unitRows, staff] = await Promise.all([
		db.select({ email: people.email }).from(people).where(eq(people.idNo, idNo)).get(),
		db.select({ code: units.code }).from(units).where(eq(units.ban, ban)).all(),
		db.select().from(unitStaff).innerJoin(units, eq(units.code, unitStaff.unitCode)).where(eq(units.ban, ban)).all(),
	]);
	for (const { code } of unitRows) {
		const rows = staff.filter((s) => s.unit_staff.unitCode === code).map((s) => s.unit_staff);
		if (rows.some((s) => s.role === "manager" && s.revokedAt === null)) continue;
		const grant = { role: "manager" as const, authorizedBy, authorizedAt: now, revokedAt: null };
		if (rows.some((s) => s.idNo === idNo)) {
			await db.update(unitStaff).set(grant).where(and(eq(unitStaff.unitCode, code), eq(unitStaff.idNo, idNo)));
		} else {
			await db.insert(unitStaff).values({ ...grant, unitCode: code, idNo, email: person?.email ?? "" });
		}
		await audit(db, { actor: maskIdNo(idNo), unitCode: code, action: "staff.manager.moeaca", target: maskIdNo(idNo), detail: `${authorizedBy}; proven by ${method}` }, now);
	}
}
