// A batch's files as mail attachments (SPEC §4: the result mail carries the log and the result CSV):
// the AttachmentSource the outbox resolves references through, so mail never imports this service.
import { eq } from "drizzle-orm";
import { batches } from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import { assertNever } from "../lib/assert-never.ts";
import { MailDeliveryError } from "../mail/errors.ts";
import type { AttachmentRef, AttachmentSource, ResolvedAttachment } from "../mail/types.ts";
import { batchLogFile, hasResultFiles, resultCsvFile } from "./batch-results.ts";

/** The log is UTF-8 with BOM for Notepad, the result CSV UTF-8 with BOM for Excel (SPEC §4). */
const CONTENT_TYPES = {
	"batch-log": "text/plain; charset=utf-8",
	"batch-result-csv": "text/csv; charset=utf-8",
} as const satisfies Record<AttachmentRef["kind"], string>;

/** The file behind a reference, or null when its batch (or its results) no longer exist. */
export async function findAttachment(db: Db, ref: AttachmentRef): Promise<ResolvedAttachment | null> {
	const file = await fileFor(db, ref);
	return file ? { filename: file.fileName, contentType: CONTENT_TYPES[ref.kind], content: file.bytes } : null;
}

/** For the outbox: a missing file is a permanent failure of the message. */
export function batchAttachments(db: Db): AttachmentSource {
	return {
		async resolve(ref) {
			const found = await findAttachment(db, ref);
			if (!found) throw notFound(ref);
			return found;
		},
		// The file must exist as findAttachment would find it, but is not rendered.
		async check(ref) {
			const batch = await db.select({ status: batches.status }).from(batches).where(eq(batches.id, ref.batchId)).get();
			if (!batch || !hasResultFiles(batch)) throw notFound(ref);
		},
	};
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
