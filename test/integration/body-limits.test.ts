// Bodies too large or malformed (SPEC §7, issue 14.2): every route has a body limit that acts before
// anything parses the body, so a 90 MB request from anyone is refused having read next to nothing of it,
// and a malformed multipart body is a 400 on every route, never a 500.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newApp } from "../../workers/app.tsx";
import { BODY_LIMITS } from "../../workers/middleware/body-limit.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import { countedBody, MALFORMED_MULTIPART } from "../fixtures/bodies.ts";
import { makeStaff, makeUnit, signIn, testDb } from "../fixtures/index.ts";
import { PORTAL_ORIGIN, TestBrowser } from "../fixtures/sign-in.ts";

const db = testDb();
const app = newApp();
const MB = 1024 * 1024;

function stateChangingRoutes(): { key: string; method: string; path: string }[] {
	const seen = new Map<string, { key: string; method: string; path: string }>();
	for (const r of app.routes) {
		if (r.method === "ALL" || r.method === "GET") continue;
		const path = r.path.length > 1 ? r.path.replace(/\/$/, "") : r.path;
		seen.set(`${r.method} ${path}`, { key: `${r.method} ${path}`, method: r.method, path: path.replace(/:[a-z]+/g, () => randomToken(16)) });
	}
	return [...seen.values()];
}

describe("body limits", () => {
	it("gives every state-changing route a body limit of its own, so a new route cannot be left out", () => {
		const missing = stateChangingRoutes().filter((r) => !(r.key in BODY_LIMITS)).map((r) => r.key);
		expect(missing).toEqual([]);
		const gone = Object.keys(BODY_LIMITS).filter((k) => !stateChangingRoutes().some((r) => r.key === k));
		expect(gone).toEqual([]);
	});

	it("refuses a 90 MB body to the sign-in, verify and resend forms with 413, having read almost none of it, from anyone with an invented pre-session cookie", async () => {
		const invented = `__Host-pre=${randomToken(32)}`;
		for (const path of ["/sign-in/nhi-card", "/sign-in/moica", "/sign-in/moeaca", "/sign-in/challenge", "/verify", "/verify/resend", "/verify/resend/send"]) {
			const body = countedBody(new TextEncoder().encode("_csrf=x&ticket="), 90 * MB);
			const res = await app.request(
				`${PORTAL_ORIGIN}${path}`,
				{ method: "POST", headers: { Origin: PORTAL_ORIGIN, Cookie: invented, "Content-Type": "application/x-www-form-urlencoded" }, body: body.stream, duplex: "half" } as RequestInit,
				env,
			);
			expect([path, res.status]).toEqual([path, 413]);
			expect(await res.text()).toContain("上傳資料超過大小上限");
			expect([path, body.read() < 256 * 1024]).toEqual([path, true]);
		}
	});

	it("refuses a sign-in form whose declared length is over its limit with 413, before checking anything else", async () => {
		const browser = new TestBrowser();
		await browser.openSignIn();
		const res = await browser.fetch("/sign-in/nhi-card", {
			method: "POST",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: `_csrf=${browser.csrf}&password=${"x".repeat(64 * 1024)}`,
		});
		expect(res.status).toBe(413);
	});

	it("answers a malformed multipart body with 400 on every route that reads a form, and never with a 500 anywhere, signed in or not, the token in a header or (as pages send it) in the body", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const session = await signIn(db, manager.idNo);
		const browser = new TestBrowser();
		await browser.openSignIn();
		const pre = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
		for (const { key, method, path } of stateChangingRoutes()) {
			if (key.startsWith("POST /api/operator")) continue;
			for (const bad of MALFORMED_MULTIPART) {
				for (const [who, cookie, token] of [
					["signed in, token in a header", session.cookie, session.csrf],
					["signed in, token in the body", session.cookie, null],
					["signed out, token in a header", pre, browser.csrf],
					["signed out, token in the body", pre, null],
				] as const) {
					const tokenHeader: Record<string, string> = token ? { "X-CSRF-Token": token } : {};
					const res = await app.request(
						`${PORTAL_ORIGIN}${path}`,
						{ method, headers: { Origin: PORTAL_ORIGIN, Cookie: cookie, ...tokenHeader, "Content-Type": bad.type }, body: bad.body },
						env,
					);
					expect([key, bad.what, who, res.status < 500]).toEqual([key, bad.what, who, true]);
					if (FORM_ROUTES.includes(key) && res.status !== 401 && res.status !== 403) {
						expect([key, bad.what, who, res.status]).toEqual([key, bad.what, who, 400]);
					}
				}
			}
		}
	});
});

/** Routes whose handler reads a form body (the others answer without looking at it). */
const FORM_ROUTES = [
	"POST /batches",
	"POST /sign-in/nhi-card",
	"POST /sign-in/moica",
	"POST /sign-in/moeaca",
	"POST /staff",
	"POST /staff/revoke",
	"POST /verify",
	"POST /verify/resend",
	"POST /verify/resend/send",
	"POST /dev/sign-in",
];
