// 健保卡註冊申請上傳紀錄查詢 (SPEC §5): the records page, the log (入檔記錄) and the result CSV.
// Every batch route answers the same 404 for an unknown id and for someone else's batch.
import { zValidator } from "@hono/zod-validator";
import { Hono, type Context } from "hono";
import { createMiddleware } from "hono/factory";
import * as z from "zod/mini";
import type { batches } from "../../schema/d1.ts";
import { BatchLogPage } from "../../web/pages/batch-log.tsx";
import { BatchRecordsPage } from "../../web/pages/batch-records.tsx";
import { maskIdNo } from "../domain/mask.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { validate } from "../lib/validate.ts";
import { requirePerson } from "../middleware/session.ts";
import { audit } from "../services/audit.ts";
import { getVisibleBatch, listBatches, parseRecordsQuery, RECORD_STATUS_FILTERS } from "../services/batch-records.ts";
import { batchLog, batchLogFile, resultCsvFile, type ResultFile } from "../services/batch-results.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";

const TITLE = "健保卡註冊申請上傳紀錄查詢";

/** Strings only: a mistyped date comes back as the page with a message, not as a 400. */
const recordsQuery = z.object({
	unitCode: z.optional(z.string().check(z.maxLength(20))),
	from: z.optional(z.string().check(z.maxLength(40))),
	to: z.optional(z.string().check(z.maxLength(40))),
	status: z.optional(z.enum(RECORD_STATUS_FILTERS)),
	page: z.optional(z.string().check(z.maxLength(10))),
});

/** Batch ids are random tokens; anything else cannot be one of them, so it is simply not found. */
const batchParam = z.object({ id: z.string().check(z.regex(/^[A-Za-z0-9_-]{10,40}$/)) });
const validBatchId = zValidator("param", batchParam, (result) => {
	if (!result.success) throw new AppError("NOT_FOUND");
});

/** Signed out → 401 before anything about the batch id is looked at. */
const signedIn = createMiddleware<AppEnv>(async (c, next) => {
	requirePerson(c.var.person);
	await next();
});

type Batch = typeof batches.$inferSelect;

function finished(batch: Batch): boolean {
	return batch.status === "done" || batch.status === "failed";
}

async function auditBatch(c: Context<AppEnv>, person: SignedInPerson, batch: Batch, action: string): Promise<void> {
	await audit(c.var.db, { actor: maskIdNo(person.idNo), unitCode: batch.unitCode, action, target: batch.id });
}

/** Content-Disposition with an ASCII fallback and the RFC 5987 / RFC 6266 UTF-8 name. */
export function attachmentDisposition(fileName: string): string {
	const ascii = fileName.replace(/[^A-Za-z0-9._-]/g, "_");
	const encoded = encodeURIComponent(fileName).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
	return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

function download(c: Context<AppEnv>, file: ResultFile, contentType: string): Response {
	c.header("Content-Type", contentType);
	c.header("Content-Disposition", attachmentDisposition(file.fileName));
	c.header("Cache-Control", "private, no-store");
	return c.body(file.bytes);
}

const NOT_FINISHED = "入檔尚未完畢，尚無入檔記錄。";

export const batchRecordRoutes = new Hono<AppEnv>()
	.get("/", signedIn, validate("query", recordsQuery), async (c) => {
		const person = requirePerson(c.var.person);
		if (person.units.length === 0) throw new AppError("FORBIDDEN");
		const now = Date.now();
		const parsed = parseRecordsQuery(c.req.valid("query"), person.units, now);
		if (!parsed.ok) {
			return c.render(<BatchRecordsPage units={person.units} form={parsed.form} message={parsed.message} invalid={parsed.fields} />, { title: TITLE });
		}
		const result = await listBatches(c.var.db, person, parsed.query, now);
		return c.render(<BatchRecordsPage units={person.units} form={parsed.form} result={result} />, { title: TITLE });
	})
	.get("/:id/log", signedIn, validBatchId, async (c) => {
		const person = requirePerson(c.var.person);
		const batch = await getVisibleBatch(c.var.db, person, c.req.valid("param").id);
		const log = finished(batch) ? await batchLog(c.var.db, batch.id) : null;
		await auditBatch(c, person, batch, "batch.log.view");
		return c.render(<BatchLogPage batch={batch} log={log} />, { title: "入檔記錄" });
	})
	.get("/:id/log/download", signedIn, validBatchId, async (c) => {
		const person = requirePerson(c.var.person);
		const batch = await getVisibleBatch(c.var.db, person, c.req.valid("param").id);
		const file = finished(batch) ? await batchLogFile(c.var.db, batch.id) : null;
		if (!file) throw new AppError("NOT_FOUND", NOT_FINISHED);
		await auditBatch(c, person, batch, "batch.log.download");
		return download(c, file, "text/plain; charset=utf-8");
	})
	.get("/:id/result.csv", signedIn, validBatchId, async (c) => {
		const person = requirePerson(c.var.person);
		const batch = await getVisibleBatch(c.var.db, person, c.req.valid("param").id);
		const file = finished(batch) ? await resultCsvFile(c.var.db, batch.id) : null;
		if (!file) throw new AppError("NOT_FOUND", NOT_FINISHED);
		await auditBatch(c, person, batch, "batch.result.download");
		return download(c, file, "text/csv; charset=utf-8");
	});
