import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, people, sessions, unitStaff } from "../../schema/d1.ts";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { freshIdNo, makeStaff, makeUnit, request, signIn, testDb } from "../fixtures/index.ts";

const db = testDb();

function form(fields: Record<string, string>, csrf: string): URLSearchParams {
	return new URLSearchParams({ _csrf: csrf, ...fields });
}

/** The opaque id the 授權管理 page's revoke form sends for `person`'s (only) staff row. */
async function staffIdOf(person: { idNo: string }): Promise<string> {
	const row = await db.select({ staffId: unitStaff.staffId }).from(unitStaff).where(eq(unitStaff.idNo, person.idNo)).get();
	if (!row?.staffId) throw new Error("no staff id");
	return row.staffId;
}

async function staffRow(unitCode: string, idNo: string) {
	return db
		.select()
		.from(unitStaff)
		.where(and(eq(unitStaff.unitCode, unitCode), eq(unitStaff.idNo, idNo)))
		.get();
}

describe("授權管理", () => {
	it("lists the unit's staff with masked IDs, names, e-mails and who authorized them", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager", { name: "張經理" });
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "李承辦" });
		const s = await signIn(db, manager.idNo);

		const res = await request("/staff", { session: s });
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain("張經理");
		expect(html).toContain("李承辦");
		expect(html).toContain(`<td>${maskIdNo(clerk.idNo)}</td>`);
		expect(html).not.toContain(`<td>${clerk.idNo}</td>`);
		expect(html).toContain(clerk.email ?? "");
		expect(html).toContain('href="/staff"');
	});

	it("authorizes a clerk by ID number, name and e-mail, creating the person when unknown", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const s = await signIn(db, manager.idNo);
		const idNo = freshIdNo("F", "2");

		const res = await request("/staff", { method: "POST", session: s, body: form({ unitCode: unit.code, idNo: idNo.toLowerCase(), name: "吳佩君", email: "Pei@Unit.Example.TW" }, s.csrf) });
		expect(res.status).toBe(303);
		expect(res.headers.get("Location")).toBe(`/staff?unit=${unit.code}&done=authorized`);
		const row = await staffRow(unit.code, idNo);
		expect(row).toMatchObject({ role: "clerk", email: "Pei@unit.example.tw", authorizedBy: maskIdNo(manager.idNo), revokedAt: null });
		expect(await db.select().from(people).where(eq(people.idNo, idNo)).get()).toMatchObject({ name: "吳佩君" });
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.unitCode, unit.code), eq(auditLog.action, "staff.authorize"))).all();
		expect(audit).toEqual([expect.objectContaining({ actor: maskIdNo(manager.idNo), target: maskIdNo(idNo) })]);

		// The new clerk can now act for the unit.
		const clerkSession = await signIn(db, idNo);
		expect((await request("/batches/new", { session: clerkSession })).status).toBe(200);
	});

	it("refuses an ID with a wrong check digit, a name that is not the person's, and someone already authorized", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const clerk = await makeStaff(db, unit.code, "clerk", { name: "李承辦" });
		const s = await signIn(db, manager.idNo);
		const bad = "A123456788";
		const cases: [Record<string, string>, string][] = [
			[{ idNo: bad, name: "王小明", email: "a@b.tw" }, "身分證號格式錯誤"],
			[{ idNo: clerk.idNo, name: "王小明", email: "a@b.tw" }, "姓名與此身分證號登記之姓名不符"],
			[{ idNo: clerk.idNo, name: "李承辦", email: "a@b.tw" }, "此人員已是本單位的承辦人。"],
			[{ idNo: freshIdNo(), name: "王小明", email: "not-an-address" }, "E-Mail格式錯誤"],
		];
		for (const [fields, message] of cases) {
			const res = await request("/staff", { method: "POST", session: s, body: form({ unitCode: unit.code, ...fields }, s.csrf) });
			expect(res.status).toBe(422);
			expect(await res.text()).toContain(message);
		}
		expect(await db.select().from(people).where(eq(people.idNo, bad)).get()).toBeUndefined();
	});

	it("revokes a clerk: the row keeps its history and the clerk's session ends at once", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const clerk = await makeStaff(db, unit.code, "clerk");
		const managerSession = await signIn(db, manager.idNo);
		const clerkSession = await signIn(db, clerk.idNo);
		expect((await request("/batches/new", { session: clerkSession })).status).toBe(200);

		// 註銷授權 asks first: whom, in which unit, what follows; nothing is revoked yet.
		const staffId = await staffIdOf(clerk);
		const asked = await request("/staff/revoke", { method: "POST", session: managerSession, body: form({ unitCode: unit.code, staffId }, managerSession.csrf) });
		expect(asked.status).toBe(200);
		const question = await asked.text();
		expect(question).toContain('id="revoke-confirm"');
		expect(question).toContain(`確定要註銷 王小明（${maskIdNo(clerk.idNo)}）`);
		expect(question).toContain('<input type="hidden" name="confirm" value="yes"/>');
		expect((await staffRow(unit.code, clerk.idNo))?.revokedAt).toBeNull();
		expect((await request("/batches/new", { session: clerkSession })).status).toBe(200);

		const res = await request("/staff/revoke", { method: "POST", session: managerSession, body: form({ unitCode: unit.code, staffId, confirm: "yes" }, managerSession.csrf) });
		expect(res.status).toBe(303);
		expect((await staffRow(unit.code, clerk.idNo))?.revokedAt).not.toBeNull();
		// The clerk's next request ends the session and says why; their session is gone after it.
		const status = await request("/batches/whatever-batch-id/status", { session: clerkSession, headers: { Accept: "application/json" } });
		expect(status.status).toBe(401);
		const next = await request("/batches/new", { session: clerkSession });
		expect(next.status).toBe(401);
		expect(await next.text()).toMatch(new RegExp(`您在「${unit.code} [^」]+」的承辦人授權已由單位管理者於\\d{4}/\\d{1,2}/\\d{1,2} (上午|下午) [\\d:]+註銷，登入狀態已失效。`));
		expect(next.headers.getSetCookie().join("\n")).toMatch(/__Host-session=;/);
		expect(await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all()).toHaveLength(0);
		expect((await request("/batches/new", { session: clerkSession })).status).toBe(401);
		const page = await (await request(`/staff?unit=${unit.code}&done=revoked`, { session: managerSession })).text();
		expect(page).toContain("已註銷承辦人授權");
		expect(page).toContain("已註銷（");
		const audit = await db.select().from(auditLog).where(and(eq(auditLog.unitCode, unit.code), eq(auditLog.action, "staff.revoke"))).all();
		expect(audit).toEqual([expect.objectContaining({ actor: maskIdNo(manager.idNo), target: maskIdNo(clerk.idNo) })]);

		// Authorizing the same person again brings the row back.
		const again = await request("/staff", { method: "POST", session: managerSession, body: form({ unitCode: unit.code, idNo: clerk.idNo, name: "王小明", email: "back@unit.example.tw" }, managerSession.csrf) });
		expect(again.status).toBe(303);
		expect(await staffRow(unit.code, clerk.idNo)).toMatchObject({ revokedAt: null, email: "back@unit.example.tw" });
	});

	it("does not let a clerk use 授權管理", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const other = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, clerk.idNo);
		expect((await request("/staff", { session: s })).status).toBe(403);
		expect((await request(`/staff?unit=${unit.code}`, { session: s })).status).toBe(403);
		const post = await request("/staff", { method: "POST", session: s, body: form({ unitCode: unit.code, idNo: freshIdNo(), name: "王小明", email: "a@b.tw" }, s.csrf) });
		expect(post.status).toBe(403);
		const revoke = await request("/staff/revoke", { method: "POST", session: s, body: form({ unitCode: unit.code, staffId: await staffIdOf(other) }, s.csrf) });
		expect(revoke.status).toBe(403);
		expect((await staffRow(unit.code, other.idNo))?.revokedAt).toBeNull();
		expect(await (await request("/", { session: s })).text()).not.toContain('href="/staff"');
	});

	it("does not let the manager of unit B manage unit A", async () => {
		const unitA = await makeUnit(db);
		const unitB = await makeUnit(db);
		const clerkA = await makeStaff(db, unitA.code, "clerk");
		const managerB = await makeStaff(db, unitB.code, "manager");
		const s = await signIn(db, managerB.idNo);

		expect((await request(`/staff?unit=${unitA.code}`, { session: s })).status).toBe(403);
		const authorize = await request("/staff", { method: "POST", session: s, body: form({ unitCode: unitA.code, idNo: freshIdNo(), name: "王小明", email: "a@b.tw" }, s.csrf) });
		expect(authorize.status).toBe(403);
		const revoke = await request("/staff/revoke", { method: "POST", session: s, body: form({ unitCode: unitA.code, staffId: await staffIdOf(clerkA) }, s.csrf) });
		expect(revoke.status).toBe(403);
		expect((await staffRow(unitA.code, clerkA.idNo))?.revokedAt).toBeNull();
		// Revoking unit A's clerk "through" unit B matches no row of unit B.
		const through = await request("/staff/revoke", { method: "POST", session: s, body: form({ unitCode: unitB.code, staffId: await staffIdOf(clerkA) }, s.csrf) });
		expect(through.status).toBe(422);
		expect((await staffRow(unitA.code, clerkA.idNo))?.revokedAt).toBeNull();
	});

	it("does not revoke a manager through the clerk form", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const other = await makeStaff(db, unit.code, "manager");
		const s = await signIn(db, manager.idNo);
		const res = await request("/staff/revoke", { method: "POST", session: s, body: form({ unitCode: unit.code, staffId: await staffIdOf(other) }, s.csrf) });
		expect(res.status).toBe(422);
		expect((await staffRow(unit.code, other.idNo))?.revokedAt).toBeNull();
	});

	it("refuses each 授權管理 POST without the session's CSRF token or from another site", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const clerk = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, manager.idNo);
		const noToken = { ...s, csrf: "x".repeat(32) };
		const authorize = { unitCode: unit.code, idNo: freshIdNo(), name: "王小明", email: "a@b.tw" };
		const revoke = { unitCode: unit.code, staffId: await staffIdOf(clerk) };
		for (const [path, fields] of [["/staff", authorize], ["/staff/revoke", revoke]] as const) {
			expect((await request(path, { method: "POST", session: noToken, body: form(fields, noToken.csrf) })).status).toBe(403);
			expect((await request(path, { method: "POST", session: s, headers: { Origin: "https://evil.example" }, body: form(fields, s.csrf) })).status).toBe(403);
		}
		expect((await staffRow(unit.code, clerk.idNo))?.revokedAt).toBeNull();
		expect(await db.select().from(people).where(eq(people.idNo, authorize.idNo)).get()).toBeUndefined();
	});
});
