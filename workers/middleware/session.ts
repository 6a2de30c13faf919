import { deleteCookie, getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";
import { openSession, SESSION_COOKIE, sessionEndMessage } from "../services/sessions.ts";

/**
 * Sets c.var.person from the session cookie (null when signed out or timed out). A session that a
 * revocation ended sets c.var.sessionEnded, the page's notice, and drops the cookie — on a page, not on
 * a script's JSON call (its page then shows the notice when it is loaded again).
 */
export const sessionMiddleware = createMiddleware<AppEnv>(async (c, next) => {
	const token = getCookie(c, SESSION_COOKIE);
	const forPage = !(c.req.header("Accept") ?? "").includes("application/json");
	const opened = token ? await openSession(c.var.db, token, Date.now(), { consume: forPage }) : { person: null };
	c.set("person", opened.person);
	c.set("sessionEnded", opened.ended && forPage ? sessionEndMessage(opened.ended) : null);
	if (opened.ended && forPage) deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
	await next();
});

/** The signed-in person, or UNAUTHENTICATED. */
export function requirePerson(person: SignedInPerson | null): SignedInPerson {
	if (!person) throw new AppError("UNAUTHENTICATED");
	return person;
}
