// Who may read what (SPEC §5, §7): every route of the app is classified here, so a new route that this
// table does not know fails the build; the unit-scoped ones are then tried by six actors against one
// batch of unit A (its uploader, another clerk of A, a clerk of B, the managers of A and B, signed out)
// and against guessed ids, and no body may show another unit's file name, masked ID or contact.
import { describe, expect, it } from "vitest";
import { batches, type BatchStatus } from "../../schema/d1.ts";
import { newApp } from "../../workers/app.tsx";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import { freshIdNo, makePerson, makeStaff, makeUnit, request, signIn, testDb, type TestSession } from "../fixtures/index.ts";
import { issueCertificate, makeTestCa, signCertificateChallenge } from "../fixtures/pki.ts";
import { PORTAL_ORIGIN, TestBrowser } from "../fixtures/sign-in.ts";
import { env } from "cloudflare:workers";

const db = testDb();

type Access = "public" | "signed-in" | "unit-scoped" | "dev-only" | "operator";

/** Every route of the app, "METHOD path", and who may use it. */
const ROUTES: Record<string, Access> = {
	"GET /": "public",
	"GET /rules": "public",
	"GET /environment": "public",
	"POST /sign-out": "signed-in",
	"GET /batches/new": "signed-in",
	"GET /batches/template.csv": "public",
	"POST /batches": "signed-in",
	"GET /batches/:id/status": "unit-scoped",
	"GET /batches/:id": "unit-scoped",
	"GET /batches": "signed-in",
	"GET /batches/:id/log": "unit-scoped",
	"GET /batches/:id/log/download": "unit-scoped",
	"GET /batches/:id/result.csv": "unit-scoped",
	"GET /sign-in": "public",
	"POST /sign-in/challenge": "public",
	"POST /sign-in/nhi-card": "public",
	"POST /sign-in/moica": "public",
	"POST /sign-in/moeaca": "public",
	"POST /sign-in/passkey/options": "public",
	"POST /sign-in/passkey": "public",
	"GET /passkeys": "signed-in",
	"POST /passkeys/options": "signed-in",
	"POST /passkeys": "signed-in",
	"POST /passkeys/:id/delete": "signed-in",
	"GET /staff": "signed-in",
	"POST /staff": "signed-in",
	"POST /staff/revoke": "signed-in",
	"GET /verify": "public",
	"POST /verify/challenge": "public",
	"POST /verify/card": "public",
	"POST /verify": "public",
	"GET /verify/resend": "public",
	"POST /verify/resend": "public",
	"POST /verify/resend/send": "public",
	"GET /dev/sign-in": "dev-only",
	"POST /dev/sign-in": "dev-only",
	"GET /dev/mailbox": "dev-only",
	"GET /dev/mailbox.json": "dev-only",
	"GET /dev/mailbox/:id": "dev-only",
	"GET /dev/mailbox/:id/attachments/:n": "dev-only",
};

/** The app's handlers (middleware registered for ALL methods left out), as "METHOD path". */
function appRoutes(): string[] {
	const seen = new Set<string>();
	for (const r of newApp().routes) {
		if (r.method === "ALL") continue;
		if (r.path.startsWith("/api/operator")) seen.add(`${r.method} ${r.path} (operator)`);
		else seen.add(`${r.method} ${r.path.length > 1 ? r.path.replace(/\/$/, "") : r.path}`);
	}
	return [...seen];
}

async function insertBatch(unitCode: string, uploaderIdNo: string, contactName: string) {
	const row = {
		id: randomToken(16),
		unitCode,
		uploaderIdNo,
		uploaderName: "王承辦",
		contactName,
		contactEmail: "contact@unit.example.tw",
		fileName: `${unitCode}1150101.csv`,
		fileBytes: 100,
		uploadedAt: Date.now(),
		status: "done" as BatchStatus,
		totalRows: 1,
		successCount: 1,
		failureCount: 0,
	};
	await db.insert(batches).values(row);
	return row;
}

describe("the authorization matrix", () => {
	it("classifies every route of the app, so a new one cannot be left out", () => {
		const unclassified = appRoutes().filter((r) => !r.endsWith("(operator)") && !(r in ROUTES));
		expect(unclassified).toEqual([]);
		const gone = Object.keys(ROUTES).filter((r) => !appRoutes().includes(r));
		expect(gone).toEqual([]);
	});

	it("shows a batch of unit A to its uploader and A's manager only; everyone else, and guessed ids, get 404 or 401 and see nothing of A", async () => {
		const a = await makeUnit(db, { name: "甲公司" });
		const b = await makeUnit(db, { name: "乙公司" });
		const uploader = await makeStaff(db, a.code, "clerk");
		const otherClerkA = await makeStaff(db, a.code, "clerk");
		const clerkB = await makeStaff(db, b.code, "clerk");
		const managerA = await makeStaff(db, a.code, "manager");
		const managerB = await makeStaff(db, b.code, "manager");
		const batchA = await insertBatch(a.code, uploader.idNo, "甲聯絡人");
		const rowId = freshIdNo();
		await env.DB.prepare("INSERT INTO batch_rows (batch_id, row_no, line_no, masked_id, outcome, code, notes, done_at) VALUES (?1, 1, 1, ?2, 'registered', 'OK', NULL, ?3)")
			.bind(batchA.id, maskIdNo(rowId), Date.now())
			.run();
		const batchB = await insertBatch(b.code, clerkB.idNo, "乙聯絡人");
		const secrets = [batchA.fileName, "甲聯絡人", maskIdNo(rowId), batchA.id];

		const actors: [string, TestSession | undefined, boolean][] = [
			["the uploader", await signIn(db, uploader.idNo), true],
			["another clerk of A", await signIn(db, otherClerkA.idNo), false],
			["a clerk of B", await signIn(db, clerkB.idNo), false],
			["the manager of A", await signIn(db, managerA.idNo), true],
			["the manager of B", await signIn(db, managerB.idNo), false],
			["someone signed out", undefined, false],
		];
		const scoped = Object.entries(ROUTES).filter(([, access]) => access === "unit-scoped").map(([r]) => r.slice("GET ".length));
		for (const [who, session, allowed] of actors) {
			for (const path of scoped) {
				const res = await request(path.replace(":id", batchA.id), { session });
				const body = await res.text();
				const expected = allowed ? 200 : session ? 404 : 401;
				expect([who, path, res.status]).toEqual([who, path, expected]);
				if (!allowed) for (const s of secrets) expect([who, path, body.includes(s)]).toEqual([who, path, false]);
			}
			// The records list never shows another unit's batch; guessed ids are simply not found.
			const list = await (await request("/batches", { session })).text();
			if (!allowed) for (const s of secrets) expect([who, "/batches", list.includes(s)]).toEqual([who, "/batches", false]);
			if (session) {
				for (const guessed of [randomToken(16), "0000000001", batchB.id.slice(0, -1) + (batchB.id.endsWith("A") ? "B" : "A")]) {
					for (const path of scoped) expect((await request(path.replace(":id", guessed), { session })).status).toBe(404);
				}
			}
		}
	});

	it("sends Cache-Control: no-store with every signed-in page, JSON and download, so no browser or proxy keeps them", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const batch = await insertBatch(unit.code, manager.idNo, "甲聯絡人");
		const session = await signIn(db, manager.idNo);
		const gets = Object.entries(ROUTES)
			.filter(([r, access]) => r.startsWith("GET ") && (access === "signed-in" || access === "unit-scoped"))
			.map(([r]) => r.slice("GET ".length).replace(":id", batch.id));
		expect(gets).toEqual(expect.arrayContaining(["/staff", "/batches", `/batches/${batch.id}`, `/batches/${batch.id}/log`, "/passkeys", `/batches/${batch.id}/status`]));
		for (const path of gets) {
			const res = await request(path, { session });
			expect([path, res.status]).toEqual([path, 200]);
			expect([path, res.headers.get("Cache-Control")]).toEqual([path, expect.stringMatching(/(^|[ ,])no-store($|,)/)]);
		}
	});

	it("gives a 工商憑證 holder who types an ID no session and no unit of a unit without a manager, and gives A's 自然人憑證 with T's ID no session as T", async () => {
		const ca = await makeTestCa();
		const ban = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
		const unit = await makeUnit(db, { ban });
		const typed = await makePerson(db);
		const company = await issueCertificate(ca, { name: unit.name, ban });
		const browser = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await browser.openSignIn("moeaca");
		const issued = await browser.challenge("moeaca");
		const signature = await signCertificateChallenge(company, PORTAL_ORIGIN, issued.challenge);
		const res = await browser.postForm("/sign-in/moeaca", { idNo: typed.idNo, challengeId: issued.challengeId, certificate: company.certificateDer, signature, origin: PORTAL_ORIGIN });
		expect(res.status).toBe(202);
		expect(browser.signedIn).toBe(false);
		expect(await env.DB.prepare("SELECT count(*) AS n FROM unit_staff WHERE unit_code = ?1").bind(unit.code).first("n")).toBe(0);

		const a = await makeStaff(db, unit.code, "clerk", { name: "林家豪" });
		let targetId = freshIdNo("B");
		while (targetId.slice(-4) !== a.idNo.slice(-4)) targetId = freshIdNo("B");
		const t = await makeStaff(db, unit.code, "manager", { name: "林家豪", idNo: targetId });
		const aCert = await issueCertificate(ca, { name: "林家豪", idLast4: a.idNo.slice(-4), holderIdNo: a.idNo });
		const other = new TestBrowser({ TRUSTED_ROOTS_PEM: ca.pem });
		await other.openSignIn("moica");
		const moica = await other.challenge("moica");
		const moicaSignature = await signCertificateChallenge(aCert, PORTAL_ORIGIN, moica.challenge);
		const asT = await other.postForm("/sign-in/moica", { idNo: t.idNo, challengeId: moica.challengeId, certificate: aCert.certificateDer, signature: moicaSignature, origin: PORTAL_ORIGIN });
		expect(asT.status).toBe(401);
		expect(other.signedIn).toBe(false);
	});
});
