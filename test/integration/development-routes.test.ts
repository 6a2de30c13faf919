// The demo sign-in (a session as anyone, no credentials) and the development mailbox (every live
// verification link) exist only where ENVIRONMENT is "development", which development turns on
// explicitly (scripts/lib/dev-vars.ts); wrangler.toml's own value is production's, and
// test/deploy/production-config.test.ts runs the built Worker with it. Here every route the app mounts
// under /dev — taken from newApp().routes, so none is forgotten — answers 404 for any other value, signed
// in or not, and sets no session.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newApp } from "../../workers/app.tsx";
import { makeStaff, makeUnit, signIn, testDb } from "../fixtures/index.ts";

const app = newApp();
const db = testDb();
const ORIGIN = "https://portal.test";

function developmentRoutes(): { method: string; path: string }[] {
	const seen = new Map<string, { method: string; path: string }>();
	for (const r of app.routes) {
		if (r.method === "ALL" || !r.path.startsWith("/dev/")) continue;
		seen.set(`${r.method} ${r.path}`, { method: r.method, path: r.path.replace(/:[a-zA-Z]+/g, "mail_00000000000000000000000000000000") });
	}
	return [...seen.values()];
}

describe("development pages outside development", () => {
	it("finds the demo sign-in and the mailbox among the app's routes", () => {
		const routes = developmentRoutes().map((r) => `${r.method} ${r.path.replace(/mail_0+/g, ":id")}`);
		for (const r of ["GET /dev/sign-in", "POST /dev/sign-in", "GET /dev/mailbox", "GET /dev/mailbox.json", "GET /dev/mailbox/:id"]) {
			expect(routes).toContain(r);
		}
	});

	it("answers 404 on every one of them, signed in or not, for any ENVIRONMENT but development", async () => {
		const unit = await makeUnit(db);
		const manager = await makeStaff(db, unit.code, "manager");
		const session = await signIn(db, manager.idNo);
		for (const environment of ["production", "", "Development", "dev"]) {
			for (const { method, path } of developmentRoutes()) {
				for (const signedIn of [false, true]) {
					const headers: Record<string, string> = { Origin: ORIGIN, "Content-Type": "application/x-www-form-urlencoded" };
					if (signedIn) Object.assign(headers, { Cookie: session.cookie, "X-CSRF-Token": session.csrf });
					const res = await app.request(
						`${ORIGIN}${path}`,
						{ method, headers, ...(method === "GET" ? {} : { body: new URLSearchParams({ idNo: manager.idNo }) }) },
						{ ...env, ENVIRONMENT: environment },
					);
					expect([environment, method, path, signedIn, res.status]).toEqual([environment, method, path, signedIn, 404]);
					expect(res.headers.get("Set-Cookie")).toBeNull();
				}
			}
		}
	});
});
