import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { sessions, unitStaff } from "../../schema/d1.ts";
import { createSession, loadSession, SESSION_ABSOLUTE_MS, SESSION_IDLE_MS } from "../../workers/services/sessions.ts";
import { makeStaff, makeUnit, request, signIn, testDb } from "../fixtures/index.ts";

const db = testDb();

describe("sessions", () => {
	it("ends a session idle for more than 30 minutes, and any session 8 hours after sign-in", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const t0 = Date.now();
		const idle = await createSession(db, clerk.idNo, "demo", t0);
		expect(await loadSession(db, idle, t0 + SESSION_IDLE_MS - 1000)).not.toBeNull();
		expect(await loadSession(db, idle, t0 + 2 * SESSION_IDLE_MS)).toBeNull();

		const busy = await createSession(db, clerk.idNo, "demo", t0);
		for (let t = t0; t < t0 + SESSION_ABSOLUTE_MS; t += SESSION_IDLE_MS / 2) {
			expect(await loadSession(db, busy, t)).not.toBeNull();
		}
		expect(await loadSession(db, busy, t0 + SESSION_ABSOLUTE_MS + 1)).toBeNull();
	});

	it("stores only a hash of the cookie token", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, clerk.idNo);
		const token = s.cookie.split("=")[1] ?? "";
		const rows = await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all();
		expect(rows).toHaveLength(1);
		expect(rows[0]?.tokenHash).not.toContain(token);
		expect(rows[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
	});

	it("takes a revoked clerk's access away on the next request", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, clerk.idNo);
		expect((await request("/batches/new", { session: s })).status).toBe(200);
		await db.update(unitStaff).set({ revokedAt: Date.now() }).where(eq(unitStaff.idNo, clerk.idNo));
		// The session ends there (401, not a signed-in 403), and the page says why.
		const next = await request("/batches/new", { session: s });
		expect(next.status).toBe(401);
		expect(await next.text()).toContain("的承辦人授權已由單位管理者於");
	});

	it("signs out: the session row is gone and the cookie is cleared", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, clerk.idNo);
		const res = await request("/sign-out", { method: "POST", session: s });
		expect(res.status).toBe(303);
		expect(res.headers.get("Set-Cookie")).toMatch(/__Host-session=;/);
		expect(await db.select().from(sessions).where(eq(sessions.idNo, clerk.idNo)).all()).toHaveLength(0);
		expect((await request("/batches/new", { session: s })).status).toBe(401);
	});
});

describe("CSRF and security headers", () => {
	it("refuses a state-changing request from another site, or without the session's token", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const s = await signIn(db, clerk.idNo);
		const crossSite = await request("/sign-out", { method: "POST", session: s, headers: { Origin: "https://evil.example" } });
		expect(crossSite.status).toBe(403);
		const fetchSite = await request("/sign-out", { method: "POST", session: s, headers: { "Sec-Fetch-Site": "cross-site" } });
		expect(fetchSite.status).toBe(403);
		const noToken = await request("/sign-out", { method: "POST", session: { ...s, csrf: "x".repeat(32) } });
		expect(noToken.status).toBe(403);
		const page = await noToken.text();
		expect(page).toContain("網頁已逾時或來源不明");
		expect(page).toContain("<html"); // the error page has the portal's layout, not a bare fragment
		// Still signed in: none of those did anything.
		expect((await request("/batches/new", { session: s })).status).toBe(200);
	});

	it("sends CSP without inline script, frame-ancestors none, HSTS and a same-origin-only Referer on pages", async () => {
		const res = await request("/");
		const csp = res.headers.get("Content-Security-Policy") ?? "";
		expect(csp).toContain("script-src 'self'");
		expect(csp).not.toContain("unsafe-inline");
		expect(csp).toContain("frame-ancestors 'none'");
		expect(res.headers.get("Strict-Transport-Security")).toContain("max-age=");
		expect(res.headers.get("Referrer-Policy")).toBe("same-origin");
		expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
	});

	it("lets the pages call the reader helper at READER_URL and no other local port", async () => {
		const csp = (await request("/sign-in")).headers.get("Content-Security-Policy") ?? "";
		const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.split(" ") ?? [];
		expect(connect).toEqual(["'self'", new URL(env.READER_URL).origin]);
		expect(csp).not.toContain(":*");
	});

	it("sets the session cookie as __Host-, HttpOnly, Secure, SameSite=Lax on the demo sign-in", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const form = new URLSearchParams({ idNo: clerk.idNo });
		const res = await request("/dev/sign-in", {
			method: "POST",
			body: form,
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
		});
		expect(res.status).toBe(303);
		const cookie = res.headers.get("Set-Cookie") ?? "";
		expect(cookie).toMatch(/^__Host-session=/);
		expect(cookie).toContain("HttpOnly");
		expect(cookie).toContain("Secure");
		expect(cookie).toContain("SameSite=Lax");
		expect(cookie).toContain("Path=/");
		expect(cookie).not.toContain("Domain=");
	});
});
