// 健保卡網路服務註冊-電子信箱認證 and 重寄認證信 (SPEC §6): the registrant's pages, public.
// - GET /verify?ticket=… only shows the page (mail scanners follow links): it reads the ticket and
//   spends nothing; only the successful POST /verify spends it (confirmRegistration).
// - The card proof answers a challenge (purpose "registrant-card") bound to this browser the way the
//   sign-in page binds its own (pre-session.ts): the `__Host-pre` cookie and its CSRF token; a browser
//   where someone is signed in uses its session instead (the app's CSRF middleware then wants the
//   session's token, so one token can serve both checks).
// - 讀取 checks the card against the registration at once (POST /verify/card), leaving the card's answer
//   unspent for 確定, so a wrong card is told before any password is typed.
// - The ticket goes from the link into the form body, never into another URL, and is never logged.
import { Hono, type Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import * as z from "zod/mini";
import { RESEND_TITLE, ResendPage } from "../../web/pages/verify-resend.tsx";
import { VERIFY_TITLE, VerifyPage, type PageMessage } from "../../web/pages/verify.tsx";
import { AppError } from "../errors.ts";
import { validate } from "../lib/validate.ts";
import { ensurePreSession, PRE_SESSION_COOKIE, requirePreSession, type PreSession, type PreSessionEnv } from "../middleware/pre-session.ts";
import { verifyNhiCardProof } from "../services/card-proof.ts";
import { issueChallenge } from "../services/challenges.ts";
import { clientKeyOf, countFailure, RATE_LIMITED_MESSAGE, UNKNOWN_TICKET_RULE } from "../services/rate-limit.ts";
import { checkRegistrantCard, CONFIRM_MESSAGES, confirmRegistration, lookupTicket, type ConfirmCode, type TicketLookup } from "../services/verification-confirm.ts";
import { formatDeadline } from "../services/verification-mail.ts";
import { applicationForPerson, requestResend, RESEND_MESSAGES, type ResendCode } from "../services/verification-resend.ts";

const SCRIPTS = ["reader-client.js", "verify.js"];
const PAGE_EXPIRED = "認證頁面已逾時，請重新整理本頁（或重新開啟認證信中的連結）後再操作。";
const NO_PROOF: PageMessage = { code: "NO_PROOF", text: "請先將健保卡插入晶片讀卡機，並按「讀取」驗證健保卡。", isError: true };

const ticketQuery = z.object({ ticket: z.optional(z.string().check(z.maxLength(2048))) });
const challengeBody = z.object({ purpose: z.literal("registrant-card") });
const token = z.string().check(z.maxLength(128));
const proofFields = { challengeId: token, cardNo: z.string().check(z.maxLength(20)), signature: z.string().check(z.maxLength(512)) };
const confirmForm = z.object({ ticket: z.string().check(z.maxLength(2048)), ...proofFields, password: z.string().check(z.maxLength(64)), passwordConfirm: z.string().check(z.maxLength(64)) });
const lookupForm = z.object(proofFields);
const cardCheckBody = z.object({ ticket: z.string().check(z.maxLength(2048)), ...proofFields });
const sendForm = z.object({ ...proofFields, email: z.optional(z.string().check(z.maxLength(254))) });

type VerifyContext = Context<PreSessionEnv>;
type ProofForm = z.infer<typeof lookupForm>;

/** How the browser is bound: its session if someone is signed in, else the pre-session (made now). */
async function openBinding(c: VerifyContext): Promise<PreSession> {
	const person = c.var.person;
	return person ? { bindingHash: person.tokenHash, csrfToken: person.csrfToken } : ensurePreSession(c);
}

/** For the POSTs: the same binding, which must exist already (requirePreSession checks its CSRF token). */
const requireBinding = createMiddleware<PreSessionEnv>(async (c, next) => {
	const person = c.var.person;
	if (person) {
		c.set("preSession", { bindingHash: person.tokenHash, csrfToken: person.csrfToken });
		return next();
	}
	if (!getCookie(c, PRE_SESSION_COOKIE)) throw new AppError("CSRF", PAGE_EXPIRED);
	return requirePreSession(c, next);
});

/** The origin the card must have signed: this request's, never one the browser claims. */
function portalOrigin(c: Context): string {
	return new URL(c.req.url).origin;
}

function readerProps(c: VerifyContext, binding: PreSession) {
	return { readerUrl: c.env.READER_URL, csrfToken: binding.csrfToken };
}

const CONFIRM_STATUS: Record<ConfirmCode, ContentfulStatusCode> = {
	WRONG_CARD: 403,
	CARD_PROOF_FAILED: 403,
	TICKET_EXPIRED: 410,
	TICKET_SPENT: 409,
	TICKET_SUPERSEDED: 410,
	TICKET_UNKNOWN: 404,
	PASSWORD_RULES: 422,
	CONFIRM_MISMATCH: 422,
	ALREADY_CONFIRMED: 409,
};

const RESEND_STATUS: Record<ResendCode, ContentfulStatusCode> = {
	NO_APPLICATION: 200,
	ALREADY_VERIFIED: 200,
	EMAIL_INVALID: 422,
	COOLDOWN: 429,
	DAILY_CAP: 429,
};

/** What a link that cannot be used says: the confirmation's own message for its state. */
const CLOSED_MESSAGES: Record<Exclude<TicketLookup["state"], "ok">, ConfirmCode> = {
	expired: "TICKET_EXPIRED",
	spent: "TICKET_SPENT",
	superseded: "TICKET_SUPERSEDED",
	unknown: "TICKET_UNKNOWN",
};

function renderVerify(c: VerifyContext, binding: PreSession | null, ticket: string, lookup: TicketLookup, message?: PageMessage) {
	c.header("Cache-Control", "no-store");
	if (lookup.state === "ok" && binding && lookup.expiresAt !== undefined) {
		return c.render(
			<VerifyPage
				view="form"
				{...readerProps(c, binding)}
				ticket={ticket}
				unitName={lookup.unitName ?? ""}
				expiresAt={lookup.expiresAt}
				message={message}
			/>,
			{ title: VERIFY_TITLE, scripts: SCRIPTS },
		);
	}
	const state = lookup.state === "ok" ? "unknown" : lookup.state;
	const closed = message ?? { code: CLOSED_MESSAGES[state], text: CONFIRM_MESSAGES[CLOSED_MESSAGES[state]], isError: true };
	return c.render(<VerifyPage view="closed" state={state} message={closed} />, { title: VERIFY_TITLE });
}

/**
 * Ticket brute force (SPEC §7): a ticket that matches nothing counts against the client's IP, and past
 * the limit is refused with 429 and Retry-After (audited once per client and window). Only unknown tickets count, so a registrant with a real
 * link is never throttled by someone else's guesses from a shared IP — at the price that, over the
 * limit, a lucky guess is still answered; the 256-bit ticket is what makes a guess hopeless.
 */
async function throttleUnknownTicket(c: VerifyContext): Promise<void> {
	const counted = await countFailure(c.var.db, UNKNOWN_TICKET_RULE, clientKeyOf(c.req.raw.headers));
	if (counted.limited) throw new AppError("RATE_LIMITED", RATE_LIMITED_MESSAGE, { retryAfter: counted.retryAfterS });
}

function renderResend(c: VerifyContext, props: Parameters<typeof ResendPage>[0]) {
	c.header("Cache-Control", "no-store");
	return c.render(<ResendPage {...props} />, { title: RESEND_TITLE, scripts: SCRIPTS });
}

function hasProof(form: ProofForm): boolean {
	return form.challengeId !== "" && form.cardNo !== "" && form.signature !== "";
}

/** Whose card answered (the registry says, from a genuine signature), or why it could not be told. */
async function registrantOf(c: VerifyContext, form: ProofForm): Promise<{ idNo: string } | { refused: PageMessage }> {
	if (!hasProof(form)) return { refused: NO_PROOF };
	try {
		const card = await verifyNhiCardProof(c.var.db, {
			purpose: "registrant-card",
			challengeId: form.challengeId,
			bindingHash: c.var.preSession.bindingHash,
			origin: portalOrigin(c),
			cardNo: form.cardNo,
			signature: form.signature,
		});
		return { idNo: card.idNo };
	} catch (err) {
		if (err instanceof AppError && err.code === "FORBIDDEN") return { refused: { code: "CARD_PROOF_FAILED", text: err.message, isError: true } };
		throw err;
	}
}

/** The application view for a proven person: pending or expired → the send form; otherwise a message. */
async function showApplication(c: VerifyContext, idNo: string, message?: PageMessage, status: ContentfulStatusCode = 200) {
	const props = readerProps(c, c.var.preSession);
	const application = await applicationForPerson(c.var.db, idNo);
	if (!application || application.status === "verified") {
		const code: ResendCode = application ? "ALREADY_VERIFIED" : "NO_APPLICATION";
		c.status(RESEND_STATUS[code]);
		return renderResend(c, { ...props, view: "message", message: { code, text: RESEND_MESSAGES[code], isError: !application } });
	}
	c.status(status);
	return renderResend(c, { ...props, view: "application", application, message });
}

export const verifyRoutes = new Hono<PreSessionEnv>()
	.get("/", validate("query", ticketQuery), async (c) => {
		const ticket = c.req.valid("query").ticket ?? "";
		if (ticket === "") {
			// Not a guess at a ticket: someone came to the page itself, not through a mail's link.
			c.header("Cache-Control", "no-store");
			return c.render(<VerifyPage view="start" />, { title: VERIFY_TITLE });
		}
		const lookup = await lookupTicket(c.var.db, ticket);
		if (lookup.state === "unknown") await throttleUnknownTicket(c);
		// Only a usable link needs a binding: a scanner's visit to a dead one gets no cookie at all.
		return renderVerify(c, lookup.state === "ok" ? await openBinding(c) : null, ticket, lookup);
	})
	.post("/challenge", requireBinding, validate("json", challengeBody), async (c) => {
		const issued = await issueChallenge(c.var.db, c.req.valid("json").purpose, c.var.preSession.bindingHash);
		return c.json({ challengeId: issued.id, challenge: issued.challenge, expiresAt: issued.expiresAt });
	})
	.post("/card", requireBinding, validate("json", cardCheckBody), async (c) => {
		const body = c.req.valid("json");
		const cardProof = { challengeId: body.challengeId, bindingHash: c.var.preSession.bindingHash, origin: portalOrigin(c), cardNo: body.cardNo, signature: body.signature };
		const check = await checkRegistrantCard(c.var.db, { ticket: body.ticket, cardProof });
		c.header("Cache-Control", "no-store");
		if (check.ok) return c.json({ ok: true });
		if (check.code === "TICKET_UNKNOWN") await throttleUnknownTicket(c);
		return c.json({ error: { code: check.code, message: check.message } }, CONFIRM_STATUS[check.code]);
	})
	.post("/", requireBinding, validate("form", confirmForm), async (c) => {
		const form = c.req.valid("form");
		const binding = c.var.preSession;
		if (!hasProof(form)) {
			const lookup = await lookupTicket(c.var.db, form.ticket);
			if (lookup.state === "unknown") await throttleUnknownTicket(c);
			c.status(403);
			return renderVerify(c, binding, form.ticket, lookup, NO_PROOF);
		}
		const outcome = await confirmRegistration(c.env, c.var.db, {
			ticket: form.ticket,
			cardProof: { challengeId: form.challengeId, bindingHash: binding.bindingHash, origin: portalOrigin(c), cardNo: form.cardNo, signature: form.signature },
			password: form.password,
			passwordConfirm: form.passwordConfirm,
		});
		if (outcome.ok) {
			c.header("Cache-Control", "no-store");
			return c.render(<VerifyPage view="done" message={outcome.message} />, { title: VERIFY_TITLE });
		}
		if (outcome.code === "TICKET_UNKNOWN") await throttleUnknownTicket(c);
		c.status(CONFIRM_STATUS[outcome.code]);
		const lookup = await lookupTicket(c.var.db, form.ticket);
		return renderVerify(c, binding, form.ticket, lookup, { code: outcome.code, text: outcome.message, isError: true });
	})
	.get("/resend", async (c) => {
		return renderResend(c, { ...readerProps(c, await openBinding(c)), view: "lookup" });
	})
	.post("/resend", requireBinding, validate("form", lookupForm), async (c) => {
		const who = await registrantOf(c, c.req.valid("form"));
		if ("refused" in who) {
			c.status(403);
			return renderResend(c, { ...readerProps(c, c.var.preSession), view: "lookup", message: who.refused });
		}
		return showApplication(c, who.idNo);
	})
	.post("/resend/send", requireBinding, validate("form", sendForm), async (c) => {
		const form = c.req.valid("form");
		const who = await registrantOf(c, form);
		if ("refused" in who) {
			c.status(403);
			return renderResend(c, { ...readerProps(c, c.var.preSession), view: "lookup", message: who.refused });
		}
		const outcome = await requestResend(c.env, c.var.db, { idNo: who.idNo, newEmail: form.email ?? null });
		if (!outcome.ok) return showApplication(c, who.idNo, { code: outcome.code, text: outcome.message, isError: true }, RESEND_STATUS[outcome.code]);
		const text = `認證信已重新寄至 ${outcome.maskedEmail}，請於${formatDeadline(outcome.expiresAt)}前點選信中連結完成健保卡註冊認證及註冊密碼設定；先前寄出的認證信連結已失效。`;
		return renderResend(c, { ...readerProps(c, c.var.preSession), view: "message", message: { code: "SENT", text } });
	});
