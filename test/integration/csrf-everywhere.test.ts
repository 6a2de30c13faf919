// CSRF on every state-changing route (SPEC §7): every non-GET route of the app, taken from
// newApp().routes so none is forgotten (the operator API is left out: a bearer token, no cookies),
// refuses another site's Origin, `Sec-Fetch-Site: cross-site`, and — signed in — a missing or wrong
// synchronizer token, with 403 and nothing changed.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newApp } from "../../workers/app.tsx";
import { randomToken } from "../../workers/lib/crypto.ts";
import { MULTIPART_TYPE, multipartForm } from "../fixtures/bodies.ts";
import { makeStaff, makeUnit, signIn, testDb } from "../fixtures/index.ts";

const db = testDb();
const app = newApp();
const ORIGIN = "https://portal.test";
const TABLES = ["batches", "unit_staff", "sessions", "passkeys", "credentials", "registrations", "mail_outbox", "audit_log"] as const;

function stateChangingRoutes(): { method: string; path: string }[] {
	const seen = new Map<string, { method: string; path: string }>();
	for (const r of app.routes) {
		if (r.method === "ALL" || r.method === "GET" || r.path.startsWith("/api/operator")) continue;
		seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path.replace(/:[a-z]+/g, () => randomToken(16)) });
	}
	return [...seen.values()];
}

async function counts(): Promise<Record<string, unknown>> {
	const out: Record<string, unknown> = {};
	for (const t of TABLES) out[t] = await env.DB.prepare(`SELECT count(*) AS n FROM ${t}`).first("n");
	return out;
}

function send(method: string, path: string, headers: Record<string, string>) {
	const body = new URLSearchParams({ unitCode: "123456789", idNo: "A123456789", ticket: "x" });
	return app.request(`${ORIGIN}${path}`, { method, headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers }, body }, env);
}

describe("CSRF on every state-changing route", () => {
	it("finds the app's POST routes (sign-out, upload, staff, passkeys, sign-in, verify, dev)", () => {
		const paths = stateChangingRoutes().map((r) => r.path);
		for (const p of ["/sign-out", "/batches", "/staff", "/staff/revoke", "/sign-in/nhi-card", "/verify", "/dev/sign-in"]) expect(paths).toContain(p);
	});

	it("refuses a cross-site Origin, Sec-Fetch-Site: cross-site, and a signed-in request without or with a wrong token, changing nothing", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const session = await signIn(db, manager.idNo);
		const before = await counts();
		for (const { method, path } of stateChangingRoutes()) {
			const cases: [string, Record<string, string>][] = [
				["cross-site Origin", { Origin: "https://evil.example" }],
				["Sec-Fetch-Site: cross-site", { Origin: ORIGIN, "Sec-Fetch-Site": "cross-site" }],
				["cross-site Origin, signed in", { Origin: "https://evil.example", Cookie: session.cookie, "X-CSRF-Token": session.csrf }],
				["signed in, no token", { Origin: ORIGIN, Cookie: session.cookie }],
				["signed in, wrong token", { Origin: ORIGIN, Cookie: session.cookie, "X-CSRF-Token": randomToken(32) }],
			];
			for (const [what, headers] of cases) {
				const res = await send(method, path, headers);
				expect([path, what, res.status]).toEqual([path, what, 403]);
			}
		}
		expect(await counts()).toEqual(before);
	});

	it("reads a multipart form's token from its leading _csrf field, as the upload page sends it, and refuses a wrong one on every route, changing nothing", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const session = await signIn(db, manager.idNo);
		const before = await counts();
		for (const { method, path } of stateChangingRoutes()) {
			const body = multipartForm({ _csrf: randomToken(24), unitCode: unit.code, idNo: "A123456789" }, { field: "file", name: "x.csv", content: new TextEncoder().encode("A123456789") });
			const res = await app.request(`${ORIGIN}${path}`, { method, headers: { Origin: ORIGIN, Cookie: session.cookie, "Content-Type": MULTIPART_TYPE }, body }, env);
			expect([path, res.status]).toEqual([path, 403]);
		}
		expect(await counts()).toEqual(before);
	});
});
