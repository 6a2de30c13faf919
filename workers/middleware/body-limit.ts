// A body limit in front of every route, before anything parses a body (the CSRF token check, the
// pre-session check, the routes' validators): each form gets what it needs and no more, so a large body
// from anyone is refused from its Content-Length alone (a body without one is counted as it streams and
// refused once past the limit). The upload is the one exception: it streams its own multipart body and
// stops reading at 10 MB + 1 byte (lib/multipart-form.ts), so that an oversized file still gets the form
// back with 檔案超過 10 MB 上限 (SPEC §2) instead of a bare 413.
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { ROSTER_MAX_BYTES } from "../services/roster-feed.ts";

const KB = 1024;

/** The upload streams its body itself (see above). */
export const STREAMED = "streamed";

/**
 * Bytes each state-changing route accepts, by "METHOD path" as the app registers it. A route missing
 * here gets DEFAULT_BODY_BYTES; test/integration/body-limits.test.ts fails on one that is missing.
 */
export const BODY_LIMITS: Record<string, number | typeof STREAMED> = {
	"POST /sign-out": 1 * KB,
	"POST /batches": STREAMED,
	"POST /sign-in/challenge": 1 * KB,
	"POST /sign-in/nhi-card": 4 * KB,
	// A certificate ≤ 16 KB of base64 and its CA chain ≤ 24 KB (the form's own limits), which URL-encoding
	// may grow by a third.
	"POST /sign-in/moica": 64 * KB,
	"POST /sign-in/moeaca": 64 * KB,
	"POST /sign-in/passkey/options": 1 * KB,
	"POST /sign-in/passkey": 16 * KB,
	"POST /passkeys/options": 1 * KB,
	// An attestation object ("none" is asked for, but an authenticator may still send a certificate chain).
	"POST /passkeys": 32 * KB,
	"POST /passkeys/:id/delete": 1 * KB,
	"POST /staff": 2 * KB,
	"POST /staff/revoke": 1 * KB,
	"POST /verify/challenge": 1 * KB,
	"POST /verify": 8 * KB,
	"POST /verify/card": 4 * KB,
	"POST /verify/resend": 4 * KB,
	"POST /verify/resend/send": 4 * KB,
	"POST /dev/sign-in": 1 * KB,
	"POST /api/operator/roster": ROSTER_MAX_BYTES,
};

/** For a body sent to no route of the table (a 404, a method the route does not have). */
export const DEFAULT_BODY_BYTES = 1 * KB;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function bodyLimitFor(method: string, path: string): number | typeof STREAMED {
	const key = `${method} ${path.length > 1 ? path.replace(/\/$/, "") : path}`;
	return BODY_LIMITS[key] ?? DEFAULT_BODY_BYTES;
}

const limiters = new Map<number, ReturnType<typeof bodyLimit>>();
function limiter(maxSize: number) {
	let found = limiters.get(maxSize);
	if (!found) {
		found = bodyLimit({
			maxSize,
			onError: () => {
				throw new AppError("PAYLOAD_TOO_LARGE");
			},
		});
		limiters.set(maxSize, found);
	}
	return found;
}

export const bodyLimits = createMiddleware<AppEnv>(async (c, next) => {
	if (SAFE_METHODS.has(c.req.method)) return next();
	// The handler that will answer: the last route matched for this very method (middleware are "ALL").
	const handler = matchedRoutes(c).findLast((r) => r.method === c.req.method);
	const limit = bodyLimitFor(c.req.method, handler?.path ?? "");
	if (limit === STREAMED) return next();
	return limiter(limit)(c, next);
});
