// The mail port's types (SPEC §9): what a message is, how a file rides along by reference, and what a
// transport does. The outbox (outbox.ts) and every transport depend on this module, not on each other.

/** A file attached by reference: a batch log is several MB and a D1 row holds at most 2 MB. */
export type AttachmentRef = { kind: "batch-log" | "batch-result-csv"; batchId: string };

export type OutgoingMail = {
	/** Names the message, not the attempt: e.g. `batch-result:<batchId>`. 1–256 characters (Resend's limit). */
	idempotencyKey: string;
	to: string[];
	subject: string;
	text: string;
	html?: string;
	attachments?: AttachmentRef[];
};

export type ResolvedAttachment = { filename: string; contentType: string; content: Uint8Array };

/**
 * Turns references into files. It belongs to the service that owns the files (the batch's log and
 * result CSV: services/batch-attachments.ts), so mail never imports a service.
 */
export interface AttachmentSource {
	/** The file's bytes, for a transport that hands them over; a missing file throws a permanent MailDeliveryError. */
	resolve(ref: AttachmentRef): Promise<ResolvedAttachment>;
	/** That the file exists, without rendering it; a missing file throws a permanent MailDeliveryError. */
	check(ref: AttachmentRef): Promise<void>;
}

export type MailStatus = "queued" | "sent" | "failed";

/** One email of a batch request: created (its provider id) or refused by validation (its message; permanent). */
export type BatchOutcome = { id: string } | { error: string };

export interface MailTransport {
	readonly name: "outbox" | "resend";
	/**
	 * "stored": the stored mail_outbox row is the delivery (the local outbox; /dev/mailbox shows it):
	 * nothing is handed over, so a whole batch is marked sent in one statement, and attachments are only
	 * checked to exist — sending a batch's result mail does not render a 100,000-row log.
	 * "handed" (the default): each message goes to the provider with its attachments' bytes.
	 */
	readonly delivery?: "stored" | "handed";
	/** Hands one message to the provider; throws MailDeliveryError when the provider refuses it. */
	deliver(mail: OutgoingMail, attachments: ResolvedAttachment[]): Promise<{ providerId: string }>;
	/** With sendBatch: how many mails one batch request takes at most. */
	readonly batchLimit?: number;
	/**
	 * Optional: 2..batchLimit mails without attachments in one request, named as a whole by
	 * `idempotencyKey`; outcomes in the order of `mails`. Throws MailDeliveryError when the request fails.
	 */
	sendBatch?(mails: OutgoingMail[], idempotencyKey: string): Promise<{ outcomes: BatchOutcome[] }>;
}
