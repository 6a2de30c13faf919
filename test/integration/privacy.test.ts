// Privacy (SPEC §10): after a batch with known full ID numbers is processed, no full ID is stored in
// batch_rows, audit_log or mail_outbox, shown on any page or download the clerk and manager can fetch,
// carried in any mail link, or written to the console. Verification links carry only an opaque
// ticket (≥ 128 bits, base64url), and only its SHA-256 is stored.
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { people } from "../../schema/d1.ts";
import { sha256Hex } from "../../workers/lib/crypto.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, request, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();

afterEach(() => {
	vi.restoreAllMocks();
});

async function allText(sql: string): Promise<string> {
	const { results } = await env.DB.prepare(sql).all();
	return JSON.stringify(results);
}

describe("privacy of ID numbers", () => {
	it("keeps every full ID out of stored rows, pages, downloads, mails and the console; links carry an opaque hashed ticket", async () => {
		const logged: string[] = [];
		for (const level of ["log", "warn", "error", "info", "debug"] as const) {
			vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
				logged.push(args.map(String).join(" "));
			});
		}
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const manager = await makeStaff(db, unit.code, "manager");
		const insured = [freshIdNo(), freshIdNo("B", "2")];
		const notInsured = freshIdNo("C");
		for (const idNo of insured) await db.insert(people).values({ idNo, name: "林註冊", birthDate: "1990-03-05", email: null, createdAt: Date.now() });
		await enroll(db, unit.code, insured);
		const all = [...insured, notInsured];
		const lines = all.map((id, i) => `${id},registrant${i}@example.com.tw,0912345678,`).join("\r\n");
		const clerkSession = await signIn(db, clerk.idNo);
		const { batchId } = await uploadFile(clerkSession, unit.code, batchFileName(unit.code), lines);
		if (!batchId) throw new Error("upload refused");
		await runBatchToEnd(batchId);

		const fullId = new RegExp(all.join("|"), "i");
		const stored = [
			await allText("SELECT * FROM batch_rows"),
			await allText("SELECT * FROM audit_log"),
			await allText("SELECT subject, text, html, attachments FROM mail_outbox"),
			await allText("SELECT * FROM batches"),
		];
		for (const s of stored) expect(s).not.toMatch(fullId);

		const managerSession = await signIn(db, manager.idNo);
		for (const session of [clerkSession, managerSession]) {
			for (const path of ["/batches", `/batches/${batchId}`, `/batches/${batchId}/status`, `/batches/${batchId}/log`, `/batches/${batchId}/log/download`, `/batches/${batchId}/result.csv`]) {
				const res = await request(path, { session });
				expect([path, res.status]).toEqual([path, 200]);
				expect(await res.text()).not.toMatch(fullId);
			}
		}

		const mails = (await env.DB.prepare("SELECT text FROM mail_outbox").all<{ text: string }>()).results;
		// Links stand in angle brackets or on their own lines (services/mail-links.ts).
		const links = mails.flatMap((m) => [...m.text.matchAll(/https?:\/\/[^\s<>]+/g)].map((x) => x[0]));
		expect(links.length).toBeGreaterThan(0);
		for (const link of links) expect(link).not.toMatch(fullId);
		const tickets = [...new Set(links.flatMap((l) => [...l.matchAll(/[?&]ticket=([^&\s]+)/g)].map((x) => x[1] ?? "")))];
		expect(tickets).toHaveLength(insured.length);
		for (const ticket of tickets) {
			expect(ticket).toMatch(/^[A-Za-z0-9_-]{22,}$/); // base64url, ≥ 128 bits
			const hashes = await allText("SELECT ticket_hash FROM verification_tickets");
			expect(hashes).not.toContain(ticket);
			expect(hashes).toContain(await sha256Hex(ticket));
		}

		expect(logged.join("\n")).not.toMatch(fullId);
	});

	it("shows no full ID on 授權管理, not even in the revoke form's hidden fields: a clerk is revoked by the row's opaque id", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const clerks = [await makeStaff(db, unit.code, "clerk"), await makeStaff(db, unit.code, "clerk")];
		const session = await signIn(db, manager.idNo);
		const html = await (await request(`/staff?unit=${unit.code}`, { session })).text();
		for (const person of [manager, ...clerks]) expect(html).not.toContain(person.idNo);
		const staffIds = [...html.matchAll(/name="staffId" value="([^"]+)"/g)].map((m) => m[1] ?? "");
		expect(staffIds).toHaveLength(2);
		const res = await request("/staff/revoke", { method: "POST", session, body: new URLSearchParams({ _csrf: session.csrf, unitCode: unit.code, staffId: staffIds[0] ?? "", confirm: "yes" }) });
		expect(res.status).toBe(303);
		const after = await (await request(`/staff?unit=${unit.code}`, { session })).text();
		expect([...after.matchAll(/name="staffId"/g)]).toHaveLength(1);
	});
});
