// Attachments are stored on a message by reference and turned into bytes only when a transport
// delivers it or the dev mailbox shows it: a 100,000-row batch log is several MB, and a D1 row holds
// at most 2 MB. The files themselves are rendered by services/batch-results.ts.
import { eq } from "drizzle-orm";
import * as z from "zod/mini";
import { batches } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { batchLogFile, hasResultFiles, resultCsvFile } from "../services/batch-results.ts";
import { MailDeliveryError } from "./errors.ts";
import type { AttachmentRef, ResolvedAttachment } from "./port.ts";

const ATTACHMENT_KINDS = ["batch-log", "batch-result-csv"] as const satisfies readonly AttachmentRef["kind"][];

/** The log is UTF-8 with BOM for Notepad, the result CSV UTF-8 with BOM for Excel (SPEC §4). */
const CONTENT_TYPES = {
	"batch-log": "text/plain; charset=utf-8",
	"batch-result-csv": "text/csv; charset=utf-8",
} as const satisfies Record<AttachmentRef["kind"], string>;

const attachmentRefs = z.array(z.object({ kind: z.enum(ATTACHMENT_KINDS), batchId: z.string().check(z.minLength(1)) }));

/** mail_outbox.attachments (a JSON array) back into references. */
export function parseAttachmentRefs(json: string): AttachmentRef[] {
	return attachmentRefs.parse(JSON.parse(json));
}

/** The file behind a reference, or null when its batch (or its results) no longer exist. */
export async function findAttachment(db: Db, ref: AttachmentRef): Promise<ResolvedAttachment | null> {
	const file = await fileFor(db, ref);
	return file ? { filename: file.fileName, contentType: CONTENT_TYPES[ref.kind], content: file.bytes } : null;
}

/** As findAttachment, for delivery: a missing file is a permanent failure of the message. */
export async function resolveAttachment(db: Db, ref: AttachmentRef): Promise<ResolvedAttachment> {
	const found = await findAttachment(db, ref);
	if (!found) throw notFound(ref);
	return found;
}

/**
 * For a transport that keeps references: the file behind the reference must exist (as findAttachment
 * would find it), but it is not rendered. A missing file is a permanent failure of the message.
 */
export async function checkAttachment(db: Db, ref: AttachmentRef): Promise<void> {
	const batch = await db.select({ status: batches.status }).from(batches).where(eq(batches.id, ref.batchId)).get();
	if (!batch || !hasResultFiles(batch)) throw notFound(ref);
}

function notFound(ref: AttachmentRef): MailDeliveryError {
	return new MailDeliveryError(`Attachment not found: ${ref.kind} of batch ${ref.batchId}`, { retryable: false });
}

function fileFor(db: Db, ref: AttachmentRef): Promise<{ fileName: string; bytes: Uint8Array } | null> {
	switch (ref.kind) {
		case "batch-log":
			return batchLogFile(db, ref.batchId);
		case "batch-result-csv":
			return resultCsvFile(db, ref.batchId);
		default:
			return assertNever(ref.kind);
	}
}

function assertNever(value: never): never {
	throw new Error(`Unknown attachment kind: ${String(value)}`);
}
