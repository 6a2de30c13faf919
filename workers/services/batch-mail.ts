// The clerk's result mail (seed: 健保卡整批註冊-投保單位承辦人2/3), sent once per batch when it ends.
import { and, eq } from "drizzle-orm";
import { unitStaff, type batches } from "../../schema/d1.ts";
import { formatMailDate } from "../domain/taipei-time.ts";
import type { Db } from "../env.ts";
import type { OutgoingMail } from "../mail/port.ts";

export const CLERK_MAIL_SUBJECT = "健保卡整批註冊上傳結果通知";

type Batch = typeof batches.$inferSelect;
type Counts = { total: number; success: number; failed: number };

/** The uploader (as authorized for the unit) and the form's 聯絡人E-Mail, without duplicates. */
async function recipients(db: Db, batch: Batch): Promise<string[]> {
	const staff = await db
		.select({ email: unitStaff.email })
		.from(unitStaff)
		.where(and(eq(unitStaff.unitCode, batch.unitCode), eq(unitStaff.idNo, batch.uploaderIdNo)))
		.get();
	const all = [staff?.email, batch.contactEmail].filter((e): e is string => Boolean(e));
	return [...new Set(all.map((e) => e.toLowerCase()))];
}

export function clerkResultText(batch: Pick<Batch, "uploadedAt">, counts: Counts): string {
	return [
		"親愛的承辦人您好：",
		"",
		`貴單位${formatMailDate(batch.uploadedAt)}於多憑證網路承保作業，為所屬保險對象整批申請健保卡網路服務註冊，總共上傳${counts.total}筆，成功註冊${counts.success}筆，失敗${counts.failed}筆。人檔資訊詳見附件。亦可登入多憑證網路承保作業於多憑證網路整批作業項下查詢近3個月的註冊記錄。`,
		"",
		"同時請轉知註冊者，務必至註冊留存電子郵件信箱收取健保卡註冊認證通知信，進行「健保卡註冊認證作業」及「註冊密碼設定」完成健保卡註冊認證程序。",
		"",
		"在未完成註冊認證程序確認前，註冊者所申請之帳號將不會生效，如註冊者未於五日內完成(或註冊留存電子郵件信箱有誤者)健保卡註冊認證及設定註冊密碼，本次申請註冊認證程序即為無效，須重新進入本署「健保卡網路服務註冊」點選『重寄認證信』申請。",
		"",
		"註冊密碼應妥善保存勿告知他人，以避免資料遭他人盜用。若您在使用上有任何疑問，歡迎您電洽本署免付費服務電話：0800-030598，或在本署全球資訊網意見信箱留言，本署將竭誠為您服務。",
		"",
		"敬祝",
		"身體健康 萬事如意",
		"",
		"衛生福利部中央健康保險署敬啟",
		"",
		"注意：本信件為系統自動寄發，請勿直接回覆",
	].join("\n");
}

export async function clerkResultMail(db: Db, batch: Batch, counts: Counts): Promise<OutgoingMail> {
	return {
		idempotencyKey: `batch-result:${batch.id}`,
		to: await recipients(db, batch),
		subject: CLERK_MAIL_SUBJECT,
		text: clerkResultText(batch, counts),
		attachments: [{ kind: "batch-log", batchId: batch.id }],
	};
}
