// 重寄認證信 (SPEC §6; seed: 未於5日內完成或修改電子郵件信箱者，可點選重寄認證信): a registrant who proved
// their card sees their pending or expired application, may correct the e-mail, and gets a new mail
// and a new 5-day window; the old ticket dies with the generation it names. Per person: one request a
// minute, five a day (Taiwan's calendar day).
import { windowName } from "../../schema/durable/verification-window.ts";
import type { RegistrationStatus } from "../../schema/d1.ts";
import { normalizeEmail } from "../domain/email.ts";
import { maskEmail, maskIdNo } from "../domain/mask.ts";
import { taipeiDayStartMs, taipeiToday } from "../domain/roc-date.ts";
import type { Db } from "../env.ts";
import { sendMail } from "../mail/outbox.ts";
import { audit } from "./audit.ts";
import { verificationMail, WINDOW_MS } from "./verification-mail.ts";
import { insertTickets, recordResend } from "../sql/verification.ts";
import { registrantRecord, resendHistory, type RegistrantRecord } from "./verification-queries.ts";
import { drawTicket, ticketHash } from "./verification.ts";

export const RESEND_COOLDOWN_MS = 60_000;
export const RESEND_DAILY_CAP = 5;

export type ResendCode = "NO_APPLICATION" | "ALREADY_VERIFIED" | "EMAIL_INVALID" | "COOLDOWN" | "DAILY_CAP";

export const RESEND_MESSAGES: Record<ResendCode, string> = {
	NO_APPLICATION: "查無您的健保卡網路服務註冊申請資料，請洽您的投保單位辦理健保卡整批註冊申請。",
	ALREADY_VERIFIED: "您已完成健保卡網路服務註冊，請直接以健保卡及註冊密碼登入。",
	EMAIL_INVALID: "電子郵件格式錯誤，請重新輸入。",
	COOLDOWN: "認證信已寄出，請稍候再試。",
	DAILY_CAP: `今日重寄認證信已達${RESEND_DAILY_CAP}次上限，請明日再試。`,
};

export type ResendOutcome =
	| { ok: true; maskedEmail: string; expiresAt: number }
	| { ok: false; code: ResendCode; message: string; secondsLeft?: number };

export type ResendInput = {
	/** The person, from a verified card proof (purpose "registrant-card"); never from a form field. */
	idNo: string;
	/** A corrected e-mail address, when the registrant typed one. */
	newEmail?: string | null;
	now?: number;
};

export type Application = {
	/** "expired" also when the window's time is up but its alarm has not marked it yet. */
	status: RegistrationStatus;
	maskedEmail: string;
	unitName: string;
	/** When the current window ends; null while none is open. */
	expiresAt: number | null;
};

/** The person's application, for the 重寄認證信 page; null when there is none (contact the unit). */
export async function applicationForPerson(db: Db, idNo: string, now = Date.now()): Promise<Application | null> {
	const r = await registrantRecord(db, idNo);
	if (!r) return null;
	return {
		status: effectiveStatus(r, now),
		maskedEmail: maskEmail(r.email),
		unitName: r.unitName ?? r.unitCode,
		expiresAt: r.expiresAt,
	};
}

function effectiveStatus(r: RegistrantRecord, now: number): RegistrationStatus {
	return r.status === "pending" && r.expiresAt !== null && r.expiresAt <= now ? "expired" : r.status;
}

/** A new verification mail and window for the person's pending or expired application. */
export async function requestResend(env: Env, db: Db, input: ResendInput): Promise<ResendOutcome> {
	const now = input.now ?? Date.now();
	const r = await registrantRecord(db, input.idNo);
	if (!r) return refuse(db, input.idNo, null, "NO_APPLICATION", now);
	if (r.status === "verified") return refuse(db, input.idNo, r, "ALREADY_VERIFIED", now);
	let email: string | null = null;
	if (input.newEmail && input.newEmail.trim() !== "") {
		email = normalizeEmail(input.newEmail);
		if (!email) return refuse(db, input.idNo, r, "EMAIL_INVALID", now);
	}

	const dayStart = taipeiDayStartMs(taipeiToday(now));
	const history = await resendHistory(db, input.idNo, dayStart, now - RESEND_COOLDOWN_MS);
	if (history.last !== null && history.last > now - RESEND_COOLDOWN_MS) {
		const secondsLeft = Math.max(1, Math.ceil((history.last + RESEND_COOLDOWN_MS - now) / 1000));
		return refuse(db, input.idNo, r, "COOLDOWN", now, secondsLeft);
	}
	if (history.today >= RESEND_DAILY_CAP) return refuse(db, input.idNo, r, "DAILY_CAP", now);

	const won = await recordResend(env.DB, {
		idNo: input.idNo,
		registrationId: r.registrationId,
		generation: r.generation,
		email,
		now,
		cooldownMs: RESEND_COOLDOWN_MS,
		dayStart,
		dailyCap: RESEND_DAILY_CAP,
	});
	// Another request of this person got in first (two tabs): that one mails.
	if (!won) return refuse(db, input.idNo, r, "COOLDOWN", now, RESEND_COOLDOWN_MS / 1000);

	const generation = r.generation + 1;
	const to = email ?? r.email;
	const ticket = drawTicket();
	const hash = await ticketHash(ticket);
	const [stored] = await insertTickets(env.DB, null, [[hash, r.registrationId, generation, now, now + WINDOW_MS]]);
	if (!stored || stored.ticketHash !== hash) throw new Error(`resend ${r.registrationId}: generation ${generation} already has a ticket`);
	await env.VERIFICATION_WINDOW.getByName(windowName(r.registrationId, generation)).open({
		registrationId: r.registrationId,
		generation,
		ticketHash: hash,
		expiresAt: stored.expiresAt,
	});
	await sendMail(
		env,
		db,
		verificationMail({
			idempotencyKey: `resend:${r.registrationId}:${generation}`,
			to,
			name: r.name,
			unitName: r.unitName ?? r.unitCode,
			ticket,
			issuedAt: stored.issuedAt,
			expiresAt: stored.expiresAt,
			origin: env.APP_ORIGIN,
		}),
		{ now },
	);
	await audit(
		db,
		{
			actor: maskIdNo(input.idNo),
			unitCode: r.unitCode,
			action: "registration.resend",
			target: r.registrationId,
			detail: email && email !== r.email ? "email-changed" : null,
		},
		now,
	);
	return { ok: true, maskedEmail: maskEmail(to), expiresAt: stored.expiresAt };
}

async function refuse(
	db: Db,
	idNo: string,
	r: RegistrantRecord | null,
	code: ResendCode,
	now: number,
	secondsLeft?: number,
): Promise<ResendOutcome & { ok: false }> {
	await audit(db, { actor: maskIdNo(idNo), unitCode: r?.unitCode ?? null, action: "registration.resend.refused", target: r?.registrationId ?? null, detail: code }, now);
	const message = code === "COOLDOWN" && secondsLeft !== undefined ? `認證信已寄出，請於${secondsLeft}秒後再試。` : RESEND_MESSAGES[code];
	return { ok: false, code, message, ...(secondsLeft === undefined ? {} : { secondsLeft }) };
}
