// 授權管理 (SPEC §1): a unit's manager authorizes clerks (承辦人) by ID number, name and e-mail, and
// revokes them. Only an active manager of that very unit may do either; every change is audited.
//
// Revoking ends all of the clerk's sessions at once, whatever other units they act for: a session finds
// the revocation at its very next request (sessions.ts openSession reads the person's authorizations on
// every request), ends there, and tells the clerk why — a manager revoked their authorization in which
// unit, and when — instead of leaving them at a bare 請先登入. It also ends the bindings of their
// 自然人憑證 (certificate-bindings.ts).
import { and, desc, eq, isNull } from "drizzle-orm";
import { people, unitStaff } from "../../schema/d1.ts";
import { normalizeEmail } from "../domain/email.ts";
import { maskIdNo } from "../domain/mask.ts";
import { isValidIdNo } from "../domain/national-id.ts";
import { normalizeCell, normalizeIdNo } from "../domain/normalize.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { audit } from "./audit.ts";
import { revokeBindingsOf } from "./certificate-bindings.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";

/** One row of 授權管理's list: the ID masked, and the row's opaque id for the revoke form (never the full ID). */
export type StaffEntry = {
	staffId: string;
	maskedId: string;
	name: string;
	role: "manager" | "clerk";
	email: string;
	authorizedAt: number;
	authorizedBy: string | null;
	revokedAt: number | null;
};

export type StaffChange = { ok: true } | { ok: false; message: string };

/** The unit, if `person` is an active manager of it; FORBIDDEN otherwise (also for a unit that does not exist). */
export function managedUnit(person: SignedInPerson, unitCode: string): { code: string; name: string } {
	const unit = person.units.find((u) => u.code === unitCode && u.role === "manager");
	if (!unit) throw new AppError("FORBIDDEN");
	return unit;
}

/** Everyone who is or was staff of the unit: managers first, then clerks, the active before the revoked. */
export async function listUnitStaff(db: Db, unitCode: string): Promise<StaffEntry[]> {
	const rows = await db
		.select({
			staffId: unitStaff.staffId,
			idNo: unitStaff.idNo,
			name: people.name,
			role: unitStaff.role,
			email: unitStaff.email,
			authorizedAt: unitStaff.authorizedAt,
			authorizedBy: unitStaff.authorizedBy,
			revokedAt: unitStaff.revokedAt,
		})
		.from(unitStaff)
		.innerJoin(people, eq(people.idNo, unitStaff.idNo))
		.where(eq(unitStaff.unitCode, unitCode))
		.orderBy(desc(unitStaff.authorizedAt))
		.all();
	const rank = (s: StaffEntry) => (s.role === "manager" ? 0 : 2) + (s.revokedAt === null ? 0 : 1);
	return rows
		.map(({ idNo, staffId, ...rest }) => ({ ...rest, staffId: staffId ?? "", maskedId: maskIdNo(idNo) }))
		.sort((a, b) => rank(a) - rank(b));
}

export type ClerkInput = { idNo: string; name: string; email: string };

export async function authorizeClerk(db: Db, manager: SignedInPerson, unitCode: string, input: ClerkInput, now = Date.now()): Promise<StaffChange> {
	const unit = managedUnit(manager, unitCode);
	const idNo = normalizeIdNo(input.idNo);
	const name = normalizeCell(input.name);
	const email = normalizeEmail(input.email);
	if (!isValidIdNo(idNo)) return { ok: false, message: "身分證號格式錯誤（含檢查碼），請重新輸入。" };
	if (name === "" || name.length > 50) return { ok: false, message: "請輸入承辦人姓名（50字以內）。" };
	if (!email) return { ok: false, message: "E-Mail格式錯誤，請重新輸入。" };

	const known = await db.select({ name: people.name }).from(people).where(eq(people.idNo, idNo)).get();
	if (known && comparable(known.name) !== comparable(name)) {
		return { ok: false, message: "姓名與此身分證號登記之姓名不符，請確認後再輸入。" };
	}
	const current = await db
		.select()
		.from(unitStaff)
		.where(and(eq(unitStaff.unitCode, unit.code), eq(unitStaff.idNo, idNo)))
		.get();
	if (current && current.revokedAt === null) {
		return { ok: false, message: current.role === "manager" ? "此人員是本單位的單位管理者。" : "此人員已是本單位的承辦人。" };
	}

	const grant = { role: "clerk" as const, email, authorizedBy: maskIdNo(manager.idNo), authorizedAt: now, revokedAt: null };
	await db.batch([
		// A person not known yet (not on any roster): their birth date is unknown until the roster or the
		// card registry brings it, as for roster members (workers/sql/roster.ts).
		db.insert(people).values({ idNo, name, birthDate: "", email, createdAt: now }).onConflictDoNothing(),
		current
			? db
					.update(unitStaff)
					.set(grant)
					.where(and(eq(unitStaff.unitCode, unit.code), eq(unitStaff.idNo, idNo)))
			: db.insert(unitStaff).values({ ...grant, unitCode: unit.code, idNo }),
	]);
	await audit(db, { actor: maskIdNo(manager.idNo), unitCode: unit.code, action: "staff.authorize", target: maskIdNo(idNo), detail: manager.method }, now);
	return { ok: true };
}

/** Revokes the clerk whose 授權管理 row has `staffId` (the page never carries a full ID). */
export async function revokeClerk(db: Db, manager: SignedInPerson, unitCode: string, staffId: string, now = Date.now()): Promise<StaffChange> {
	const unit = managedUnit(manager, unitCode);
	const revoked = await db
		.update(unitStaff)
		.set({ revokedAt: now })
		.where(and(eq(unitStaff.unitCode, unit.code), eq(unitStaff.staffId, staffId), eq(unitStaff.role, "clerk"), isNull(unitStaff.revokedAt)))
		.returning({ idNo: unitStaff.idNo })
		.get();
	if (!revoked) return { ok: false, message: "查無此承辦人，或已註銷授權。" };
	const { idNo } = revoked;
	await audit(db, { actor: maskIdNo(manager.idNo), unitCode: unit.code, action: "staff.revoke", target: maskIdNo(idNo), detail: manager.method }, now);
	// Their 自然人憑證 sign in no one any more: binding it again takes their own card (issue 14.1).
	await revokeBindingsOf(db, idNo, now);
	return { ok: true };
}

function comparable(name: string): string {
	return name.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
}
