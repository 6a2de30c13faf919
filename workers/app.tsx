import { drizzle } from "drizzle-orm/d1";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { jsxRenderer } from "hono/jsx-renderer";
import { requestId } from "hono/request-id";
import * as schema from "../schema/d1.ts";
import { Layout } from "../web/layout.tsx";
import { ErrorPage } from "../web/pages/error-page.tsx";
import type { AppEnv } from "./env.ts";
import { AppError } from "./errors.ts";
import { bodyLimits } from "./middleware/body-limit.ts";
import { csrfMiddleware } from "./middleware/csrf.ts";
import { noStore, securityHeaders } from "./middleware/security-headers.ts";
import { sessionMiddleware } from "./middleware/session.ts";
import { batchRecordRoutes } from "./routes/batch-records.tsx";
import { batchUploadRoutes } from "./routes/batch-upload.tsx";
import { devRoutes } from "./routes/dev.tsx";
import { environmentRoutes } from "./routes/environment.tsx";
import { homeRoutes } from "./routes/home.tsx";
import { operatorRoutes } from "./routes/operator.ts";
import { passkeyRoutes } from "./routes/passkeys.tsx";
import { signInRoutes } from "./routes/sign-in.tsx";
import { staffRoutes } from "./routes/staff.tsx";
import { verifyRoutes } from "./routes/verify.tsx";

/** The one app factory: the Worker and the tests build the same app. */
export function newApp() {
	const app = new Hono<AppEnv>();
	app.use(requestId());
	app.use(securityHeaders);
	app.use(noStore);
	// Before anything that may read a body (session, CSRF and pre-session checks, validators).
	app.use(bodyLimits);
	app.use(async (c, next) => {
		c.set("db", drizzle(c.env.DB, { schema }));
		await next();
	});
	// The renderer comes before the session and CSRF checks so that their errors get the full page too.
	app.use(jsxRenderer(({ children, Layout: _, ...props }, c) => <Layout {...props} c={c}>{children}</Layout>));
	app.use(sessionMiddleware);
	app.use(csrfMiddleware);

	app.route("/", homeRoutes);
	app.route("/batches", batchUploadRoutes);
	app.route("/batches", batchRecordRoutes);
	app.route("/api/operator", operatorRoutes);
	app.route("/sign-in", signInRoutes);
	app.route("/passkeys", passkeyRoutes);
	app.route("/staff", staffRoutes);
	app.route("/verify", verifyRoutes);
	app.route("/dev", devRoutes);
	app.route("/environment", environmentRoutes);

	app.notFound((c) => renderError(c, new AppError("NOT_FOUND")));
	app.onError((err, c) => {
		const appError = toAppError(err);
		// The stack stays in the server's log (Workers Logs), for whoever must find the fault; the page
		// and the JSON say only the code and the zh-TW message (STYLE 4).
		if (appError.status >= 500) {
			console.error(JSON.stringify({ requestId: c.var.requestId, error: String(err), stack: err instanceof Error ? err.stack : undefined }));
		}
		return renderError(c, appError);
	});
	return app;
}

/**
 * Hono's own 4xx (e.g. a malformed body the validator cannot read) stay 4xx, and so do workerd's own
 * refusals of a malformed multipart body, thrown from Request.formData() as a TypeError; anything else
 * unknown is a 500.
 */
function toAppError(err: unknown): AppError {
	if (err instanceof AppError) return err;
	if (err instanceof HTTPException && err.status === 413) return new AppError("PAYLOAD_TOO_LARGE");
	if (err instanceof HTTPException && err.status < 500) return new AppError("BAD_REQUEST");
	if (err instanceof TypeError && MALFORMED_BODY.test(err.message)) return new AppError("BAD_REQUEST");
	return new AppError("INTERNAL");
}

/**
 * workerd's messages for a multipart body it cannot parse: "FormData part had invalid headers.", "No
 * boundary string in Content-Type header…", "No subsequent boundary string after multipart message."
 */
const MALFORMED_BODY = /^(FormData part had invalid headers|No boundary string|No subsequent boundary string)/;

function renderError(c: import("hono").Context<AppEnv>, err: AppError) {
	// A refusal that says when to come back (rate limits) says it in the header too (RFC 9110 §10.2.3).
	if (err.status === 429 && typeof err.detail?.retryAfter === "number") c.header("Retry-After", String(err.detail.retryAfter));
	if (c.req.path.startsWith("/api/") || c.req.header("Accept")?.includes("application/json")) {
		return c.json({ error: { code: err.code, message: err.message, ...err.detail } }, err.status);
	}
	c.status(err.status);
	return c.render(<ErrorPage error={err} />, { title: err.status === 404 ? "查無資料" : "系統訊息" });
}

