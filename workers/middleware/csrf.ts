// CSRF defence on every state-changing request (SPEC §7): the browser's own provenance headers
// (Origin / Sec-Fetch-Site) must say same-origin, and a signed-in request must also carry the
// session's synchronizer token, as the `_csrf` form field or the X-CSRF-Token header.
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { timingSafeEqual } from "../lib/crypto.ts";
import { leadingField } from "../lib/multipart-form.ts";

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
		const sent = c.req.header(CSRF_HEADER) ?? (await formToken(c));
		if (!sent || !timingSafeEqual(sent, person.csrfToken)) throw new AppError("CSRF");
	}
	return next();
});

/**
 * The `_csrf` field of a form body, read without parsing more of the body than the token needs: a
 * urlencoded body is small (the body limit in front of every route saw to it) and Hono caches its parse
 * for the route; a multipart body (the upload, up to 10 MB) is read from a clone only as far as its
 * leading fields, where the page's hidden input puts the token, so the route still streams the file.
 */
export async function formToken(c: Context): Promise<string | null> {
	const type = c.req.header("Content-Type") ?? "";
	if (type.startsWith("multipart/form-data")) return leadingField(c.req.raw.clone(), CSRF_FIELD);
	if (!type.startsWith("application/x-www-form-urlencoded")) return null;
	const value = (await c.req.parseBody())[CSRF_FIELD];
	return typeof value === "string" ? value : null;
}
