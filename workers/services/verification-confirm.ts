// The registrant's e-mail verification (SPEC §6; seed 健保卡網路服務註冊-電子信箱認證): look a ticket up
// for the page (GET spends nothing: mail scanners follow links), and confirm it with the card proof and
// the new 註冊密碼 (only this successful POST spends the ticket, inside the window's Durable Object).
import { windowName, type WindowOutcome } from "../../schema/durable/verification-window.ts";
import type { RegistrationStatus } from "../../schema/d1.ts";
import { maskEmail, maskIdNo } from "../domain/mask.ts";
import {
	CONFIRM_MISMATCH_MESSAGE,
	normalizePassword,
	PASSWORD_PROBLEM_MESSAGES,
	passwordProblems,
	type PasswordProblem,
} from "../domain/password.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { hashPassword } from "../lib/password-hash.ts";
import { sendMail } from "../mail/outbox.ts";
import { audit } from "./audit.ts";
import { checkNhiCardProof, verifyNhiCardProof } from "./card-proof.ts";
import { completionMail } from "./verification-mail.ts";
import { ticketRecord, type RegistrantRecord } from "./verification-queries.ts";
import { ticketHash } from "./verification.ts";

/** 您已完成電子郵件信箱認證，歡迎開始使用本系統！ (seed 註冊申請人2/2, 網頁訊息). */
export const CONFIRMED_MESSAGE = "您已完成電子郵件信箱認證，歡迎開始使用本系統！";

export type TicketState = "ok" | "expired" | "spent" | "superseded" | "unknown";

export type TicketLookup = {
	state: TicketState;
	registration?: { id: string; generation: number; status: RegistrationStatus; unitCode: string; maskedId: string; name: string | null };
	unitName?: string;
	maskedEmail?: string;
	/** When this ticket's window ends (epoch ms). */
	expiresAt?: number;
};

export type ConfirmCode =
	| "WRONG_CARD"
	| "CARD_PROOF_FAILED"
	| "TICKET_EXPIRED"
	| "TICKET_SPENT"
	| "TICKET_SUPERSEDED"
	| "TICKET_UNKNOWN"
	| "PASSWORD_RULES"
	| "CONFIRM_MISMATCH"
	| "ALREADY_CONFIRMED";

/** One zh-TW message per outcome; PASSWORD_RULES and CARD_PROOF_FAILED say more in the outcome itself. */
export const CONFIRM_MESSAGES: Record<ConfirmCode, string> = {
	WRONG_CARD: "讀取的健保卡不是本認證信註冊者本人的健保卡，請插入您本人的健保卡後重新讀取。",
	CARD_PROOF_FAILED: "健保卡驗證失敗，請重新讀取。",
	TICKET_EXPIRED: "本認證信已逾5日認證期限，本次申請註冊認證程序已無效。請至「重寄認證信」插入健保卡讀取後，申請新的認證信。",
	TICKET_SPENT: "本認證信連結已使用過，您已完成註冊認證，請以健保卡及註冊密碼登入。",
	TICKET_SUPERSEDED: "本認證信已失效：已有較新的認證信寄出，請使用最新一封認證信中的連結。",
	TICKET_UNKNOWN: "認證信連結無效，請確認連結是否完整；或至「重寄認證信」申請新的認證信。",
	PASSWORD_RULES: "註冊密碼不符合規則。",
	CONFIRM_MISMATCH: CONFIRM_MISMATCH_MESSAGE,
	ALREADY_CONFIRMED: "您已完成電子郵件信箱認證，請以健保卡及註冊密碼登入。",
};

export type ConfirmOutcome =
	| { ok: true; message: string }
	| { ok: false; code: ConfirmCode; message: string; problems?: PasswordProblem[] };

export type CardProofInput = { challengeId: string; bindingHash: string; origin: string; cardNo: string; signature: string };

export type ConfirmInput = {
	ticket: string;
	cardProof: CardProofInput;
	password: string;
	passwordConfirm: string;
	now?: number;
};

/** A ticket is 43 base64url characters; anything far from that is not looked up. */
const TICKET_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

type Found = NonNullable<Awaited<ReturnType<typeof ticketRecord>>>;

async function findTicket(db: Db, ticket: string): Promise<Found | null> {
	if (!TICKET_SHAPE.test(ticket)) return null;
	return ticketRecord(db, await ticketHash(ticket));
}

function stateOf(t: Found, now: number): TicketState {
	if (t.spentAt !== null) return "spent";
	if (t.generation !== t.ticketGeneration) return "superseded";
	if (t.status === "verified") return "spent";
	if (t.status === "expired" || t.ticketExpiresAt <= now) return "expired";
	return "ok";
}

function describe(t: Found, state: TicketState): TicketLookup {
	return {
		state,
		registration: {
			id: t.registrationId,
			generation: t.ticketGeneration,
			status: t.status,
			unitCode: t.unitCode,
			maskedId: maskIdNo(t.idNo),
			name: t.name,
		},
		unitName: t.unitName ?? t.unitCode,
		maskedEmail: maskEmail(t.email),
		expiresAt: t.ticketExpiresAt,
	};
}

/** What the verification page shows for a link. Reads only: a GET (or a mail scanner) spends nothing. */
export async function lookupTicket(db: Db, ticket: string, now = Date.now()): Promise<TicketLookup> {
	const t = await findTicket(db, ticket);
	return t ? describe(t, stateOf(t, now)) : { state: "unknown" };
}

const TICKET_REFUSALS: Record<Exclude<TicketState, "ok">, ConfirmCode> = {
	expired: "TICKET_EXPIRED",
	spent: "TICKET_SPENT",
	superseded: "TICKET_SUPERSEDED",
	unknown: "TICKET_UNKNOWN",
};

export type CardCheck = { ok: true } | { ok: false; code: ConfirmCode; message: string };

/**
 * 讀取 on the verification page (issue 15: say 不是本認證信註冊者本人 there, not only after 確定, where the
 * typed passwords would be lost): the card's answer must be genuine and the card the registration's
 * person's. The answer is left unspent for 確定 (checkNhiCardProof); a wrong card is audited as a
 * refused confirmation is.
 */
export async function checkRegistrantCard(db: Db, input: { ticket: string; cardProof: CardProofInput; now?: number }): Promise<CardCheck> {
	const now = input.now ?? Date.now();
	const t = await findTicket(db, input.ticket);
	if (!t) return { ok: false, code: "TICKET_UNKNOWN", message: CONFIRM_MESSAGES.TICKET_UNKNOWN };
	const state = stateOf(t, now);
	if (state !== "ok") return { ok: false, code: TICKET_REFUSALS[state], message: CONFIRM_MESSAGES[TICKET_REFUSALS[state]] };
	let card: { idNo: string };
	try {
		card = await checkNhiCardProof(db, { ...input.cardProof, purpose: "registrant-card" }, now);
	} catch (err) {
		if (err instanceof AppError && err.code === "FORBIDDEN") return { ok: false, code: "CARD_PROOF_FAILED", message: err.message };
		throw err;
	}
	if (card.idNo !== t.idNo) return refuse(db, t, "WRONG_CARD", now);
	return { ok: true };
}

/**
 * 確定 on the verification page. In order: the ticket must be live; both passwords equal; the card
 * proof genuine and the card the registration's person's (checked before the password rules, so the
 * rules that mention the ID and birth date tell nothing to someone who merely holds the link); the
 * rules; then the window confirms (exactly one of concurrent confirmations wins) and the completion
 * mail goes out.
 */
export async function confirmRegistration(env: Env, db: Db, input: ConfirmInput): Promise<ConfirmOutcome> {
	const now = input.now ?? Date.now();
	const t = await findTicket(db, input.ticket);
	if (!t) return refuse(db, null, "TICKET_UNKNOWN", now);
	const state = stateOf(t, now);
	if (state !== "ok") return refuse(db, t, TICKET_REFUSALS[state], now);
	const password = normalizePassword(input.password);
	if (password !== normalizePassword(input.passwordConfirm)) return refuse(db, t, "CONFIRM_MISMATCH", now);

	let card: { idNo: string };
	try {
		card = await verifyNhiCardProof(db, { ...input.cardProof, purpose: "registrant-card" }, now);
	} catch (err) {
		if (err instanceof AppError && err.code === "FORBIDDEN") return refuse(db, t, "CARD_PROOF_FAILED", now, err.message);
		throw err;
	}
	if (card.idNo !== t.idNo) return refuse(db, t, "WRONG_CARD", now);

	const problems = passwordProblems(password, { idNo: t.idNo, birthDate: t.birthDate ?? "" });
	if (problems.length > 0) {
		const outcome = await refuse(db, t, "PASSWORD_RULES", now, problems.map((p) => PASSWORD_PROBLEM_MESSAGES[p]).join(""));
		return { ...outcome, problems };
	}

	const passwordHash = await hashPassword(password);
	const window = env.VERIFICATION_WINDOW.getByName(windowName(t.registrationId, t.ticketGeneration));
	const result: WindowOutcome = await window.confirm({ passwordHash, idNo: t.idNo, now });
	if (!result.ok) {
		switch (result.code) {
			case "ALREADY_CONFIRMED":
				return refuse(db, t, "ALREADY_CONFIRMED", now);
			case "EXPIRED":
				return refuse(db, t, "TICKET_EXPIRED", now);
			case "SUPERSEDED":
				return refuse(db, t, "TICKET_SUPERSEDED", now);
			case "WRONG_PERSON":
				return refuse(db, t, "WRONG_CARD", now);
			case "NOT_OPEN": {
				// The window ended in an earlier life of its object: D1 says how.
				const again = await findTicket(db, input.ticket);
				const s = again ? stateOf(again, now) : "unknown";
				return refuse(db, t, s === "spent" ? "ALREADY_CONFIRMED" : s === "ok" ? "TICKET_UNKNOWN" : TICKET_REFUSALS[s], now);
			}
			default:
				return assertNever(result.code);
		}
	}

	await audit(db, { actor: maskIdNo(t.idNo), unitCode: t.unitCode, action: "registration.confirm", target: t.registrationId }, now);
	await sendCompletionMail(env, db, t, now);
	return { ok: true, message: CONFIRMED_MESSAGE };
}

async function sendCompletionMail(env: Env, db: Db, t: RegistrantRecord & { ticketGeneration: number }, now: number): Promise<void> {
	try {
		await sendMail(
			env,
			db,
			completionMail({
				idempotencyKey: `verified:${t.registrationId}:${t.ticketGeneration}`,
				to: t.email,
				name: t.name,
				verifiedAt: now,
				origin: env.APP_ORIGIN,
			}),
		);
	} catch (err) {
		// The registration is confirmed whatever becomes of the notice: a stored mail is retried by the
		// daily job, and the registrant already saw the success message.
		console.error(JSON.stringify({ completionMail: t.registrationId, error: err instanceof Error ? err.message : String(err) }));
	}
}

async function refuse(db: Db, t: Found | null, code: ConfirmCode, now: number, message?: string): Promise<ConfirmOutcome & { ok: false }> {
	await audit(
		db,
		{
			actor: t ? maskIdNo(t.idNo) : null,
			unitCode: t?.unitCode ?? null,
			action: "registration.confirm.failed",
			target: t?.registrationId ?? null,
			detail: code,
		},
		now,
	);
	return { ok: false, code, message: message ?? CONFIRM_MESSAGES[code] };
}

function assertNever(x: never): never {
	throw new Error(`unexpected window outcome ${String(x)}`);
}
