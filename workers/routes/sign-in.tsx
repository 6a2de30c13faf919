// 登入 (SPEC §7): the sign-in page and its POSTs. Every POST here needs the pre-session cookie and its
// CSRF token (pre-session.ts); the challenge a card, certificate or passkey answers is bound to that
// cookie. On success: a new session (`__Host-session`, as the demo sign-in sets it), the pre-session
// cookie dropped, 303 to the upload page (staff) or the home page. On refusal: the page again, with the
// reason; after a wrong 註冊密碼 the page reads the card again by itself, so only the password is retyped.
import { Hono, type Context } from "hono";
import { setCookie } from "hono/cookie";
import * as z from "zod/mini";
import { AlreadySignedIn, SIGN_IN_TABS, SignInPage, type SignInTab } from "../../web/pages/sign-in.tsx";
import { validate } from "../lib/validate.ts";
import { endPreSession, ensurePreSession, requirePreSession, type PreSessionEnv } from "../middleware/pre-session.ts";
import { completePendingProofs } from "../services/certificate-bindings.ts";
import { signInWithMoeaca, signInWithMoica } from "../services/certificate-sign-in.ts";
import { idMatchPort } from "../services/id-match.ts";
import { issueChallenge } from "../services/challenges.ts";
import { authenticationOptions, relyingParty, signInWithPasskey } from "../services/passkeys.ts";
import { createSession, endSession, SESSION_ABSOLUTE_MS, SESSION_COOKIE, unitsOf } from "../services/sessions.ts";
import { signInWithNhiCard, type SignInOutcome } from "../services/sign-in.ts";
import { AUTHENTICATION_RESPONSE } from "./webauthn-json.ts";

const TITLE = "登入";
const SCRIPTS = ["reader-client.js", "passkeys.js", "sign-in.js"];

const tabQuery = z.object({ method: z.optional(z.enum(SIGN_IN_TABS)) });
const challengeBody = z.object({ purpose: z.enum(["nhi-card", "moica", "moeaca"]) });
const token = z.string().check(z.maxLength(128));
const nhiCardForm = z.object({
	challengeId: token,
	cardNo: z.string().check(z.maxLength(20)),
	signature: z.string().check(z.maxLength(512)),
	origin: z.optional(z.string().check(z.maxLength(200))),
	password: z.string().check(z.maxLength(64)),
});
const certificateForm = z.object({
	idNo: z.string().check(z.maxLength(20)),
	challengeId: token,
	// A 2048-bit RSA certificate with its extensions is about 1.5 KB of DER, 2 KB as base64; 16 KB is ample.
	certificate: z.string().check(z.maxLength(16_384)),
	// The CA certificates above it (base64 DER, comma-separated), when the helper passes them along.
	chain: z.optional(z.string().check(z.maxLength(24_576))),
	signature: z.string().check(z.maxLength(1_024)),
	origin: z.optional(z.string().check(z.maxLength(200))),
});
const passkeySignIn = z.object({ challengeId: token, response: AUTHENTICATION_RESPONSE });

type SignInContext = Context<PreSessionEnv>;

/** A certificate sign-in that waits for the person's own NHI card next: 202, and the card's tab. */
const PENDING_CODES = new Set(["BINDING_PENDING", "CLAIM_PENDING"]);

function renderPage(c: SignInContext, tab: SignInTab, error?: { code: string; message: string }, idNo?: string) {
	if (error) c.status(error.code === "LOCKED" ? 423 : PENDING_CODES.has(error.code) ? 202 : 401);
	return c.render(
		<SignInPage
			tab={tab}
			csrfToken={c.var.preSession.csrfToken}
			readerUrl={c.env.READER_URL}
			error={error}
			idNo={idNo}
			isDev={c.env.ENVIRONMENT === "development"}
		/>,
		{ title: TITLE, scripts: SCRIPTS },
	);
}

/** The origin the card or certificate must have signed: this request's, never one the browser claims. */
function portalOrigin(c: Context): string {
	return new URL(c.req.url).origin;
}

/** Where a sign-in lands: the upload page for staff (as 示範登入 does), the home page for anyone else. */
const STAFF_LANDING = "/batches/new";

/** Starts the session; answers where the person goes next. */
async function startSession(c: SignInContext, outcome: Extract<SignInOutcome, { ok: true }>): Promise<string> {
	// What an earlier certificate sign-in in this browser left for this person's own proof: a 自然人憑證
	// to bind, a unit without a manager to take (certificate-bindings.ts).
	await completePendingProofs(c.var.db, c.var.preSession.bindingHash, outcome.idNo, outcome.method, Date.now());
	// A session this browser still had (another tab) ends: one browser, one signed-in person.
	if (c.var.person) await endSession(c.var.db, c.var.person.tokenHash);
	const actingBan = outcome.actingBan ?? null;
	const sessionToken = await createSession(c.var.db, outcome.idNo, outcome.method, Date.now(), actingBan);
	setCookie(c, SESSION_COOKIE, sessionToken, { path: "/", secure: true, httpOnly: true, sameSite: "Lax", maxAge: SESSION_ABSOLUTE_MS / 1000 });
	endPreSession(c);
	return (await unitsOf(c.var.db, outcome.idNo, actingBan)).length > 0 ? STAFF_LANDING : "/";
}

const MISSING_CARD_PROOF = { code: "NO_PROOF", message: "請先插入健保卡並按「讀取」，再輸入註冊密碼登入。" };
const MISSING_CERTIFICATE_PROOF = { code: "NO_PROOF", message: "尚未取得憑證簽章，請確認讀卡機元件已啟動且已插入憑證卡後再登入。" };

export const signInRoutes = new Hono<PreSessionEnv>()
	.get("/", validate("query", tabQuery), async (c) => {
		if (c.var.person) return c.render(<AlreadySignedIn name={c.var.person.name} />, { title: TITLE });
		c.set("preSession", await ensurePreSession(c));
		return renderPage(c, c.req.valid("query").method ?? "nhi-card");
	})
	.post("/challenge", requirePreSession, validate("json", challengeBody), async (c) => {
		const issued = await issueChallenge(c.var.db, c.req.valid("json").purpose, c.var.preSession.bindingHash);
		return c.json({ challengeId: issued.id, challenge: issued.challenge, expiresAt: issued.expiresAt });
	})
	.post("/nhi-card", requirePreSession, validate("form", nhiCardForm), async (c) => {
		const form = c.req.valid("form");
		if (!form.challengeId || !form.cardNo || !form.signature) return renderPage(c, "nhi-card", MISSING_CARD_PROOF);
		if (!form.password) return renderPage(c, "nhi-card", { code: "NO_PASSWORD", message: "請輸入註冊密碼。" });
		const outcome = await signInWithNhiCard(c.var.db, {
			challengeId: form.challengeId,
			bindingHash: c.var.preSession.bindingHash,
			origin: portalOrigin(c),
			cardNo: form.cardNo,
			signature: form.signature,
			password: form.password,
		});
		if (!outcome.ok) return renderPage(c, "nhi-card", outcome);
		return c.redirect(await startSession(c, outcome), 303);
	})
	.post("/moica", requirePreSession, validate("form", certificateForm), (c) => certificateSignIn(c, "moica", c.req.valid("form")))
	.post("/moeaca", requirePreSession, validate("form", certificateForm), (c) => certificateSignIn(c, "moeaca", c.req.valid("form")))
	.post("/passkey/options", requirePreSession, async (c) => {
		return c.json(await authenticationOptions(c.var.db, c.var.preSession.bindingHash, relyingParty(c.req.url)));
	})
	.post("/passkey", requirePreSession, validate("json", passkeySignIn), async (c) => {
		const body = c.req.valid("json");
		const outcome = await signInWithPasskey(
			c.var.db,
			{ challengeId: body.challengeId, bindingHash: c.var.preSession.bindingHash, response: body.response },
			relyingParty(c.req.url),
		);
		if (!outcome.ok) return c.json({ error: { code: outcome.code, message: outcome.message } }, 401);
		return c.json({ redirect: await startSession(c, outcome) });
	});

async function certificateSignIn(c: SignInContext, kind: "moica" | "moeaca", parsed: z.infer<typeof certificateForm>) {
	if (!parsed.challengeId || !parsed.certificate || !parsed.signature) return renderPage(c, kind, MISSING_CERTIFICATE_PROOF, parsed.idNo);
	const input = {
		idNo: parsed.idNo,
		challengeId: parsed.challengeId,
		bindingHash: c.var.preSession.bindingHash,
		origin: portalOrigin(c),
		certificate: parsed.certificate,
		chain: parsed.chain ? parsed.chain.split(",").filter((part) => part.trim() !== "") : [],
		signature: parsed.signature,
		trustedRootsPem: c.env.TRUSTED_ROOTS_PEM,
	};
	const outcome = kind === "moica" ? await signInWithMoica(c.var.db, input, idMatchPort(c.env)) : await signInWithMoeaca(c.var.db, input);
	if (!outcome.ok) return renderPage(c, PENDING_CODES.has(outcome.code) ? "nhi-card" : kind, outcome, parsed.idNo);
	return c.redirect(await startSession(c, outcome), 303);
}
