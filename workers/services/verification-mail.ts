// The registrant's mails (seed: 健保卡整批註冊-註冊申請人1/2): the verification mail 健保卡網路服務-註冊成功
// with the 5-day link, sentence by sentence the seed's (test/unit/mail/seed-wording.test.ts), and the
// completion notice sent when the confirmation succeeds (seed 2/2: 系統會發送註冊完成通知信). The link
// carries only the opaque ticket: the seed's `cardid=` in the URL is a privacy leak we do not copy
// (SPEC §6). Links are written as mail-links.ts says, so mail clients (and /dev/mailbox) can tell where
// they end.
import { TAIPEI_OFFSET_MS } from "../domain/roc-date.ts";
import { formatMailDate } from "../domain/taipei-time.ts";
import type { OutgoingMail } from "../mail/types.ts";
import { ENVIRONMENT_PATH, FEEDBACK_URL, portalUrl, RESEND_PATH, SIGN_IN_PATH, textLink, VERIFY_PATH } from "./mail-links.ts";

// The pages' own imports of these paths (verify.tsx) predate mail-links.ts.
export { RESEND_PATH, VERIFY_PATH } from "./mail-links.ts";

export const VERIFICATION_MAIL_SUBJECT = "健保卡網路服務-註冊成功";
export const COMPLETION_MAIL_SUBJECT = "健保卡網路服務-註冊完成";
/** 5日內: a window's length (SPEC §6). */
export const WINDOW_MS = 5 * 24 * 60 * 60 * 1000;
/** Whom to address when the person's name is not known. */
const NAMELESS = "註冊者";

export type VerificationMailInput = {
	idempotencyKey: string;
	to: string;
	name: string | null;
	unitName: string;
	ticket: string;
	issuedAt: number;
	expiresAt: number;
	/** APP_ORIGIN, e.g. "https://portal.example.tw" (no trailing slash needed). */
	origin: string;
};

export function verificationLink(origin: string, ticket: string): string {
	return `${portalUrl(origin, VERIFY_PATH)}?ticket=${encodeURIComponent(ticket)}`;
}

/** "民國105年07月18日 15:03": the deadline, on Taiwan's clock. */
export function formatDeadline(ms: number): string {
	const t = new Date(ms + TAIPEI_OFFSET_MS);
	const hhmm = `${String(t.getUTCHours()).padStart(2, "0")}:${String(t.getUTCMinutes()).padStart(2, "0")}`;
	return `${formatMailDate(ms)} ${hhmm}`;
}

export function verificationMailText(input: Omit<VerificationMailInput, "idempotencyKey" | "to">): string {
	const link = verificationLink(input.origin, input.ticket);
	return [
		`親愛的 ${input.name || NAMELESS} 您好：`,
		`您所屬投保單位${input.unitName}，為您申請衛生福利部中央健康保險署「健保卡網路服務註冊」已審核完成，為確保您健保卡註冊使用安全，請立即依下列執行步驟「健保卡註冊認證作業」及「註冊密碼設定」完成註冊認證程序：`,
		"",
		`1. 進行註冊認證前請先行點選「健保卡網路服務註冊—環境說明」(網址：<${portalUrl(input.origin, ENVIRONMENT_PATH)}>)，依使用瀏覽器點選按裝方式，進行系統環境設定並安裝下載元件。`,
		`2. 請連結登入${textLink("「健保卡註冊認證作業」", link)}登入認證信畫面，進行線上確認，執行前請先確認您的電腦已連結晶片讀卡機及健保卡，進行註冊密碼設定變更，為確保您健保卡註冊使用安全，並請於5日內完成健保卡註冊認證及註冊密碼設定。`,
		"",
		`在此特別提醒您，在未完成註冊認證程序確認前，您所申請之帳號將不會生效，如註冊者未於五日內完成(或註冊留存電子郵件信箱有誤者)健保卡註冊認證及設定註冊密碼，本次申請註冊認證程序即為無效，須重新進入本署${textLink("「健保卡網路服務註冊」", portalUrl(input.origin, RESEND_PATH))}點選「重寄認證信」申請。`,
		"",
		`改日無法進入健保卡網路服務註冊登入畫面，請您直接點選下列連結：<${portalUrl(input.origin, SIGN_IN_PATH)}>。`,
		"",
		`註冊密碼應妥善保存勿告知他人，以避免資料遭他人盜用。若您在使用上有任何疑問，歡迎您電洽本署免付費服務電話：0800-030598，或在本署全球資訊網/${textLink("意見信箱", FEEDBACK_URL)}留言，本署將竭誠為您服務。`,
		"",
		"上述方式如無法進入認證畫面，請您直接點選下列連結：",
		link,
		"",
		"敬祝",
		"",
		"身體健康 萬事如意",
		"",
		"衛生福利部中央健康保險署敬啟",
		formatMailDate(input.issuedAt),
		"",
		"注意：本信件為系統自動寄發，請勿直接回覆",
	].join("\n");
}

export function verificationMail(input: VerificationMailInput): OutgoingMail {
	return {
		idempotencyKey: input.idempotencyKey,
		to: [input.to],
		subject: VERIFICATION_MAIL_SUBJECT,
		text: verificationMailText(input),
	};
}

export type CompletionMailInput = { idempotencyKey: string; to: string; name: string | null; verifiedAt: number; origin: string };

export function completionMailText(input: Omit<CompletionMailInput, "idempotencyKey" | "to">): string {
	return [
		`親愛的 ${input.name || NAMELESS} 您好：`,
		`您已於${formatDeadline(input.verifiedAt)}完成「健保卡註冊認證作業」及「註冊密碼設定」，您的健保卡網路服務註冊已生效，歡迎開始使用本系統！`,
		"",
		"日後請以健保卡及您設定的註冊密碼登入：",
		portalUrl(input.origin, SIGN_IN_PATH),
		"",
		"若您已認證行動裝置，此密碼會同步變更「健保快易通」登入註冊密碼。",
		"如非您本人操作，請立即電洽本署免付費服務電話：0800-030598。",
		"",
		"註冊密碼應妥善保存勿告知他人，以避免資料遭他人盜用。",
		"",
		"敬祝",
		"身體健康 萬事如意",
		"",
		"衛生福利部中央健康保險署敬啟",
		formatMailDate(input.verifiedAt),
		"",
		"注意：本信件為系統自動寄發，請勿直接回覆",
	].join("\n");
}

export function completionMail(input: CompletionMailInput): OutgoingMail {
	return { idempotencyKey: input.idempotencyKey, to: [input.to], subject: COMPLETION_MAIL_SUBJECT, text: completionMailText(input) };
}
