// The clerk's mail when a batch ends (SPEC §4; seed: 健保卡整批註冊-投保單位承辦人2/3), sent once per
// batch (idempotency key `batch-result:<batch>`), with the log attached: the seed's result mail,
// sentence by sentence (test/unit/mail/seed-wording.test.ts), after 入檔完畢; and after 入檔失敗 the
// same frame saying the file was not imported, why, and how to fix it.
import { and, eq } from "drizzle-orm";
import { unitStaff, type batches } from "../../schema/d1.ts";
import { normalizeEmail } from "../domain/email.ts";
import { FILE_REASONS, INTERNAL_FAILURE, isFileReasonCode } from "../domain/reasons.ts";
import { formatMailDate } from "../domain/taipei-time.ts";
import type { Db } from "../env.ts";
import type { OutgoingMail } from "../mail/types.ts";
import { FEEDBACK_URL, portalUrl, RESEND_PATH, textLink } from "./mail-links.ts";

export const CLERK_MAIL_SUBJECT = "健保卡整批註冊上傳結果通知";
export const CLERK_FAILURE_SUBJECT = "健保卡整批註冊上傳結果通知-入檔失敗";

type Batch = typeof batches.$inferSelect;
type Counts = { total: number; success: number; failed: number };

/**
 * The uploader (as authorized for the unit) and the form's 聯絡人E-Mail, without duplicates. Addresses
 * compare and go out as the one e-mail rule keeps them (domain lower-cased, the local part as typed).
 */
async function recipients(db: Db, batch: Batch): Promise<string[]> {
	const staff = await db
		.select({ email: unitStaff.email })
		.from(unitStaff)
		.where(and(eq(unitStaff.unitCode, batch.unitCode), eq(unitStaff.idNo, batch.uploaderIdNo)))
		.get();
	const all = [staff?.email, batch.contactEmail].filter((e): e is string => Boolean(e));
	return [...new Set(all.map((e) => normalizeEmail(e) ?? e))];
}

/** The closing both mails share with the registrant's (seed: 敬祝 … 敬啟, the ROC date, the notice). */
function closing(sentAt: number): string[] {
	return ["敬祝", "", "身體健康 萬事如意", "", "衛生福利部中央健康保險署敬啟", formatMailDate(sentAt), "", "注意：本信件為系統自動寄發，請勿直接回覆"];
}

/** When the mail is dated: the batch's end, fixed once, so a replayed step renders the same text. */
function sentAt(batch: Pick<Batch, "finishedAt" | "uploadedAt">): number {
	return batch.finishedAt ?? batch.uploadedAt;
}

export function clerkResultText(batch: Pick<Batch, "uploadedAt" | "finishedAt">, counts: Counts, origin: string): string {
	return [
		"親愛的承辦人您好：",
		"",
		`貴單位${formatMailDate(batch.uploadedAt)}於多憑證網路承保作業，為所屬保險對象整批申請健保卡網路服務註冊，總共上傳${counts.total}筆，成功註冊${counts.success}筆，失敗${counts.failed}筆。人檔資訊詳見附件。亦可登入多憑證網路承保作業於多憑證網路整批作業項下查詢近3個月的註冊記錄。`,
		"",
		"同時請轉知註冊者，務必至註冊留存電子郵件信箱收取健保卡註冊認證通知信，進行「健保卡註冊認證作業」及「註冊密碼設定」完成健保卡註冊認證程序。",
		"",
		`在未完成註冊認證程序確認前，註冊者所申請之帳號將不會生效，如註冊者未於五日內完成(或註冊留存電子郵件信箱有誤者)健保卡註冊認證及設定註冊密碼，本次申請註冊認證程序即為無效，須重新進入本署${textLink("「健保卡網路服務註冊」", portalUrl(origin, RESEND_PATH))}點選『重寄認證信』申請。`,
		"",
		`註冊密碼應妥善保存勿告知他人，以避免資料遭他人盜用。若您在使用上有任何疑問，歡迎您電洽本署免付費服務電話：0800-030598，或在本署全球資訊網${textLink("意見信箱", FEEDBACK_URL)}留言，本署將竭誠為您服務。`,
		"",
		...closing(sentAt(batch)),
	].join("\n");
}

/** Why a failed batch failed and how to fix it, as stored on it (the message may carry a detail). */
export function failureReason(batch: Pick<Batch, "failureCode" | "failureMessage">): { message: string; fix: string } {
	const code = batch.failureCode;
	const known = code !== null && isFileReasonCode(code) ? FILE_REASONS[code] : INTERNAL_FAILURE;
	return { message: batch.failureMessage ?? known.message, fix: known.fix };
}

export function clerkFailureText(batch: Pick<Batch, "uploadedAt" | "finishedAt" | "fileName" | "failureCode" | "failureMessage">): string {
	const reason = failureReason(batch);
	return [
		"親愛的承辦人您好：",
		"",
		`貴單位${formatMailDate(batch.uploadedAt)}於多憑證網路承保作業，為所屬保險對象整批申請健保卡網路服務註冊，上傳檔案${batch.fileName}入檔失敗。`,
		`失敗原因：${reason.message}`,
		`處理方式：${reason.fix}`,
		"人檔資訊詳見附件。亦可登入多憑證網路承保作業於多憑證網路整批作業項下查詢近3個月的註冊記錄。",
		"",
		`若您在使用上有任何疑問，歡迎您電洽本署免付費服務電話：0800-030598，或在本署全球資訊網${textLink("意見信箱", FEEDBACK_URL)}留言，本署將竭誠為您服務。`,
		"",
		...closing(sentAt(batch)),
	].join("\n");
}

export async function clerkResultMail(db: Db, batch: Batch, counts: Counts, origin: string): Promise<OutgoingMail> {
	return {
		idempotencyKey: `batch-result:${batch.id}`,
		to: await recipients(db, batch),
		subject: CLERK_MAIL_SUBJECT,
		text: clerkResultText(batch, counts, origin),
		attachments: [{ kind: "batch-log", batchId: batch.id }],
	};
}

/** 入檔失敗: the same key as the result mail, so a batch's end is told once, whichever way it ended. */
export async function clerkFailureMail(db: Db, batch: Batch): Promise<OutgoingMail> {
	return {
		idempotencyKey: `batch-result:${batch.id}`,
		to: await recipients(db, batch),
		subject: CLERK_FAILURE_SUBJECT,
		text: clerkFailureText(batch),
		attachments: [{ kind: "batch-log", batchId: batch.id }],
	};
}
