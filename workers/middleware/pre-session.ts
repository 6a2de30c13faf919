// The pre-session (SPEC §7): before anyone is signed in, the sign-in page gives the browser a random
// `__Host-pre` cookie (HttpOnly, Secure, SameSite=Lax, 15 minutes). It does two jobs:
// - challenges for a card, certificate or passkey sign-in are bound to SHA-256 of it, so a challenge
//   fetched in one browser cannot be answered from another (challenges.ts);
// - the sign-in POSTs carry a CSRF token derived from it (SHA-256 of a domain-separated text), which a
//   page on another site cannot know because the cookie is HttpOnly. Nothing about it is stored server-side.
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { randomToken, sha256Hex, timingSafeEqual } from "../lib/crypto.ts";
import { CSRF_HEADER, formToken } from "./csrf.ts";

export const PRE_SESSION_COOKIE = "__Host-pre";
/** Long enough to read a card and type a password or PIN; renewed whenever the sign-in page is shown. */
export const PRE_SESSION_MAX_AGE_S = 15 * 60;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export type PreSession = {
	/** SHA-256 hex of the cookie token: what sign-in challenges are bound to. */
	bindingHash: string;
	/** The token sign-in forms and scripts send back as `_csrf` / X-CSRF-Token. */
	csrfToken: string;
};

export type PreSessionEnv = { Bindings: AppEnv["Bindings"]; Variables: AppEnv["Variables"] & { preSession: PreSession } };

async function derive(token: string): Promise<PreSession> {
	return { bindingHash: await sha256Hex(token), csrfToken: await sha256Hex(`pre-session-csrf\n${token}`) };
}

/** The browser's pre-session, made (or its lifetime renewed) now: for GET /sign-in. */
export async function ensurePreSession(c: Context<PreSessionEnv>): Promise<PreSession> {
	const existing = getCookie(c, PRE_SESSION_COOKIE);
	const token = existing && TOKEN.test(existing) ? existing : randomToken(32);
	setCookie(c, PRE_SESSION_COOKIE, token, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: PRE_SESSION_MAX_AGE_S });
	return derive(token);
}

/** After a successful sign-in the pre-session has done its job. */
export function endPreSession(c: Context<PreSessionEnv>): void {
	deleteCookie(c, PRE_SESSION_COOKIE, { path: "/", secure: true });
}

/**
 * For the sign-in POSTs: the request must come with the pre-session cookie and its CSRF token (header
 * or form field). Without the cookie the page is older than the pre-session: the message says to reload.
 * The app-wide CSRF middleware has already checked Origin / Sec-Fetch-Site.
 */
export const requirePreSession = createMiddleware<PreSessionEnv>(async (c, next) => {
	const token = getCookie(c, PRE_SESSION_COOKIE);
	if (!token || !TOKEN.test(token)) throw new AppError("CSRF", "登入頁面已逾時，請重新整理本頁後再登入。");
	const pre = await derive(token);
	const sent = c.req.header(CSRF_HEADER) ?? (await formToken(c));
	if (!sent || !timingSafeEqual(sent, pre.csrfToken)) throw new AppError("CSRF");
	c.set("preSession", pre);
	await next();
});
