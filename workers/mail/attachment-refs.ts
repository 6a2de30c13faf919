// Attachments are stored on a message by reference (mail_outbox.attachments, a JSON array) and turned
// into bytes only when a transport delivers the message or the dev mailbox shows it: a 100,000-row
// batch log is several MB, and a D1 row holds at most 2 MB. The files themselves belong to the service
// that renders them (services/batch-attachments.ts), which hands the outbox an AttachmentSource.
import * as z from "zod/mini";
import type { AttachmentRef } from "./types.ts";

export const ATTACHMENT_KINDS = ["batch-log", "batch-result-csv"] as const satisfies readonly AttachmentRef["kind"][];

const attachmentRefs = z.array(z.object({ kind: z.enum(ATTACHMENT_KINDS), batchId: z.string().check(z.minLength(1)) }));

/** mail_outbox.attachments (a JSON array) back into references. */
export function parseAttachmentRefs(json: string): AttachmentRef[] {
	return attachmentRefs.parse(JSON.parse(json));
}
