import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { loadSession, SESSION_COOKIE, type SignedInPerson } from "../services/sessions.ts";

/** Sets c.var.person from the session cookie (null when signed out or timed out). */
export const sessionMiddleware = createMiddleware<AppEnv>(async (c, next) => {
	const token = getCookie(c, SESSION_COOKIE);
	c.set("person", token ? await loadSession(c.var.db, token) : null);
	await next();
});

/** The signed-in person, or UNAUTHENTICATED. */
export function requirePerson(person: SignedInPerson | null): SignedInPerson {
	if (!person) throw new AppError("UNAUTHENTICATED");
	return person;
}
