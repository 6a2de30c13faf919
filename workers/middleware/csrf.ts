// CSRF defence on every state-changing request (SPEC §7): the browser's own provenance headers
// (Origin / Sec-Fetch-Site) must say same-origin, and a signed-in request must also carry the
// session's synchronizer token, as the `_csrf` form field or the X-CSRF-Token header.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { timingSafeEqual } from "../lib/crypto.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export const csrfMiddleware = createMiddleware<AppEnv>(async (c, next) => {
	if (SAFE_METHODS.has(c.req.method)) return next();
	const origin = c.req.header("Origin");
	const fetchSite = c.req.header("Sec-Fetch-Site");
	if (origin !== undefined && origin !== new URL(c.req.url).origin) throw new AppError("CSRF");
	if (fetchSite !== undefined && fetchSite !== "same-origin" && fetchSite !== "none") throw new AppError("CSRF");
	const person = c.var.person;
	if (person) {
		const sent = c.req.header(CSRF_HEADER) ?? (await formField(c.req.raw.headers, () => c.req.parseBody()));
		if (!sent || !timingSafeEqual(sent, person.csrfToken)) throw new AppError("CSRF");
	}
	return next();
});

async function formField(headers: Headers, parse: () => Promise<Record<string, unknown>>): Promise<string | null> {
	const type = headers.get("Content-Type") ?? "";
	if (!type.startsWith("multipart/form-data") && !type.startsWith("application/x-www-form-urlencoded")) return null;
	// Hono caches the parsed body, so the route's own parseBody() does not read it twice.
	const value = (await parse())[CSRF_FIELD];
	return typeof value === "string" ? value : null;
}
