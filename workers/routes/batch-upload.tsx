// 健保卡註冊申請整批資料上傳: the form, the upload, the template, and the batch's live progress.
import { Hono } from "hono";
import * as z from "zod/mini";
import { MAX_FILE_BYTES } from "../domain/csv-rows.ts";
import { normalizeEmail } from "../domain/email.ts";
import { BATCH_STATUS_LABELS } from "../domain/batch-status.ts";
import { BOM } from "../domain/result-files.ts";
import type { AppEnv, Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { readUploadForm } from "../lib/multipart-form.ts";
import { validate } from "../lib/validate.ts";
import { requirePerson } from "../middleware/session.ts";
import { getVisibleBatch } from "../services/batch-records.ts";
import { uploadBatch } from "../services/upload-batch.ts";
import { handoffCounts } from "../services/verification-queries.ts";
import { BatchProgressPage, type MailProgress } from "../../web/pages/batch-progress.tsx";
import { UploadPage, type UploadField, type UploadFormValues } from "../../web/pages/batch-upload.tsx";

const TITLE = "健保卡註冊申請整批資料上傳";
const SCRIPTS = ["batch-upload.js"];
export const NO_FILE_MESSAGE = "請選擇要上傳的檔案。";

const uploadFields = z.object({
	unitCode: z.string().check(z.regex(/^\d{9}$/)),
	contactName: z.string().check(z.trim(), z.maxLength(50)),
	contactEmail: z.string().check(z.trim(), z.maxLength(254)),
});

const batchParam = z.object({ id: z.string().check(z.regex(/^[A-Za-z0-9_-]{10,40}$/)) });

/** The seed's example (說明(一)): header row, then one row per person. */
const TEMPLATE_CSV = `${BOM}身分證號,電子郵件,行動電話,聯絡電話\r\nA123456789,a123456789@example.com.tw,0912345678,02-12345678#1234\r\n`;

export const batchUploadRoutes = new Hono<AppEnv>()
	.get("/new", (c) => {
		const person = requirePerson(c.var.person);
		if (person.units.length === 0) throw new AppError("FORBIDDEN");
		const values: UploadFormValues = {
			unitCode: person.units[0]?.code ?? "",
			contactName: person.name,
			contactEmail: person.email ?? "",
		};
		return c.render(<UploadPage person={person} values={values} />, { title: TITLE, scripts: SCRIPTS });
	})
	.get("/template.csv", (c) => {
		c.header("Content-Type", "text/csv; charset=utf-8");
		c.header("Content-Disposition", `attachment; filename="template.csv"; filename*=UTF-8''${encodeURIComponent("健保卡整批註冊範例.csv")}`);
		return c.body(TEMPLATE_CSV);
	})
	.post("/", async (c) => {
		const person = requirePerson(c.var.person);
		// Streamed, never buffered past the file limit (middleware/body-limit.ts); the CSRF middleware
		// has already read the `_csrf` field from the form's leading fields.
		const { fields, file } = await readUploadForm(c.req.raw, "file", MAX_FILE_BYTES);
		const parsed = uploadFields.safeParse(fields);
		if (!parsed.success) throw new AppError("BAD_REQUEST");
		const form = parsed.data;
		const values: UploadFormValues = { unitCode: form.unitCode, contactName: form.contactName, contactEmail: form.contactEmail };
		const render = (error: NonNullable<Parameters<typeof UploadPage>[0]["error"]>) =>
			c.render(<UploadPage person={person} values={values} error={error} />, { title: TITLE, scripts: SCRIPTS });
		const contactEmail = normalizeEmail(form.contactEmail);
		const fieldError: { message: string; field: UploadField } | null = !form.contactName
			? { message: "請輸入聯絡人。", field: "contactName" }
			: !contactEmail
				? { message: "聯絡人E-Mail格式錯誤。", field: "contactEmail" }
				: !file || (file.name === "" && "bytes" in file && file.bytes.byteLength === 0)
					? { message: NO_FILE_MESSAGE, field: "file" }
					: null;
		if (fieldError || !contactEmail || !file) {
			c.status(400);
			return render(fieldError ?? { message: NO_FILE_MESSAGE, field: "file" });
		}
		const outcome = await uploadBatch(c.env, c.var.db, person, {
			unitCode: form.unitCode,
			contactName: form.contactName,
			contactEmail,
			fileName: file.name,
			file: "bytes" in file ? { bytes: file.bytes } : { tooLarge: true, size: file.size },
		});
		if (!outcome.ok) {
			c.status(422);
			return render(outcome.detail ? { code: outcome.code, detail: outcome.detail } : { code: outcome.code });
		}
		return c.redirect(`/batches/${outcome.batchId}`, 303);
	})
	.get("/:id/status", validate("param", batchParam), async (c) => {
		const batch = await getVisibleBatch(c.var.db, requirePerson(c.var.person), c.req.valid("param").id);
		return c.json({
			id: batch.id,
			status: batch.status,
			label: BATCH_STATUS_LABELS[batch.status],
			totalRows: batch.totalRows,
			rowsDone: batch.rowsDone,
			successCount: batch.successCount,
			failureCount: batch.failureCount,
			failureMessage: batch.failureMessage,
			// After 入檔完畢 the registrants' windows open and their mails go out: hand-offs by state.
			verification: batch.status === "done" ? await handoffCounts(c.var.db, batch.id) : null,
			mail: await mailProgress(c.var.db, batch),
		});
	})
	.get("/:id", validate("param", batchParam), async (c) => {
		const batch = await getVisibleBatch(c.var.db, requirePerson(c.var.person), c.req.valid("param").id);
		return c.render(<BatchProgressPage batch={batch} mail={await mailProgress(c.var.db, batch)} />, { title: "上傳結果", scripts: ["batch-progress.js"] });
	});

/** After 入檔完畢: how many of the registrants' verification mails have gone out so far. */
async function mailProgress(db: Db, batch: { id: string; status: string; successCount: number }): Promise<MailProgress | null> {
	if (batch.status !== "done") return null;
	const counts = await handoffCounts(db, batch.id);
	return { sent: counts.opened, superseded: counts.superseded, expected: batch.successCount };
}
