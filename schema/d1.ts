// D1 tables. Every table, who writes it and how long rows live: schema/STORAGE.md.
// Times are epoch milliseconds (integer); calendar dates are ISO "yyyy-mm-dd" text.

import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** 投保單位: an insured unit (employer). */
export const units = sqliteTable("units", {
	code: text("code").primaryKey(), // 投保單位代號, 9 digits
	name: text("name").notNull(),
	ban: text("ban").notNull(), // 統一編號, 8 digits
	createdAt: integer("created_at").notNull(),
});

/** A natural person known to the portal (staff, insured members). */
export const people = sqliteTable("people", {
	idNo: text("id_no").primaryKey(), // 身分證號 / 居留證號, upper-case
	name: text("name").notNull(),
	birthDate: text("birth_date").notNull(),
	email: text("email"),
	createdAt: integer("created_at").notNull(),
});

export const STAFF_ROLES = ["manager", "clerk"] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** 單位管理者 / 承辦人: who may act for a unit. A revoked row keeps its history. */
export const unitStaff = sqliteTable(
	"unit_staff",
	{
		unitCode: text("unit_code").notNull().references(() => units.code),
		idNo: text("id_no").notNull().references(() => people.idNo),
		role: text("role", { enum: STAFF_ROLES }).notNull(),
		email: text("email").notNull(),
		authorizedBy: text("authorized_by"),
		authorizedAt: integer("authorized_at").notNull(),
		revokedAt: integer("revoked_at"),
		// Opaque id of the row, what the 授權管理 page's revoke form sends instead of the full ID. Rows
		// inserted without one (raw SQL, the seed) get one from a trigger (migration 0007).
		staffId: text("staff_id").$defaultFn(() => crypto.randomUUID()),
	},
	(t) => [primaryKey({ columns: [t.unitCode, t.idNo] }), index("unit_staff_person").on(t.idNo), uniqueIndex("unit_staff_staff_id").on(t.staffId)],
);

/** 在保保險對象: the unit's insured-member roster, fed by the operator. */
export const roster = sqliteTable(
	"roster",
	{
		unitCode: text("unit_code").notNull().references(() => units.code),
		idNo: text("id_no").notNull(),
		name: text("name").notNull(),
		enrolledOn: text("enrolled_on").notNull(),
		withdrawnOn: text("withdrawn_on"),
		updatedAt: integer("updated_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.unitCode, t.idNo] })],
);

export const CARD_STATUSES = ["active", "lost", "replaced"] as const;

/** NHI card registry: which card belongs to whom, and the card key that proves it. */
export const cards = sqliteTable(
	"cards",
	{
		cardNo: text("card_no").primaryKey(), // 12 digits
		idNo: text("id_no").notNull(),
		issuedOn: text("issued_on").notNull(),
		status: text("status", { enum: CARD_STATUSES }).notNull(),
		publicKey: text("public_key").notNull(), // JWK (JSON text)
	},
	(t) => [index("cards_person").on(t.idNo)],
);

export const BATCH_STATUSES = ["queued", "importing", "done", "failed"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

/** One upload (健保卡註冊申請整批資料上傳). The file itself lives in the batch's Durable Object. */
export const batches = sqliteTable(
	"batches",
	{
		id: text("id").primaryKey(),
		unitCode: text("unit_code").notNull().references(() => units.code),
		uploaderIdNo: text("uploader_id_no").notNull(),
		uploaderName: text("uploader_name").notNull(),
		contactName: text("contact_name").notNull(),
		contactEmail: text("contact_email").notNull(),
		fileName: text("file_name").notNull(),
		fileBytes: integer("file_bytes").notNull(),
		uploadedAt: integer("uploaded_at").notNull(),
		status: text("status", { enum: BATCH_STATUSES }).notNull(),
		failureCode: text("failure_code"),
		failureMessage: text("failure_message"),
		encoding: text("encoding"),
		headerSkipped: integer("header_skipped", { mode: "boolean" }).notNull().default(false),
		totalRows: integer("total_rows").notNull().default(0),
		rowsDone: integer("rows_done").notNull().default(0),
		successCount: integer("success_count").notNull().default(0),
		failureCount: integer("failure_count").notNull().default(0),
		startedAt: integer("started_at"),
		finishedAt: integer("finished_at"),
	},
	(t) => [
		index("batches_unit_uploaded").on(t.unitCode, t.uploadedAt),
		index("batches_uploader_uploaded").on(t.uploaderIdNo, t.uploadedAt),
	],
);

export const ROW_OUTCOMES = ["registered", "resent", "failed"] as const;
export type RowOutcome = (typeof ROW_OUTCOMES)[number];

/**
 * Per-row result of a batch: the log and the result CSV are rendered from these. Full IDs are never
 * stored here. The table is WITHOUT ROWID (migration 0006, which drizzle cannot express): keep the
 * key and columns here in step with it.
 */
export const batchRows = sqliteTable(
	"batch_rows",
	{
		batchId: text("batch_id").notNull(),
		rowNo: integer("row_no").notNull(), // 第n筆資料 (data rows, 1-based, header excluded)
		lineNo: integer("line_no").notNull(), // line in the file, for "how to fix"
		maskedId: text("masked_id").notNull(),
		outcome: text("outcome", { enum: ROW_OUTCOMES }).notNull(),
		code: text("code").notNull(),
		notes: text("notes"), // JSON array of note codes, e.g. ["MOBILE_REPAIRED"]
		doneAt: integer("done_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.batchId, t.rowNo] })],
);

export const REGISTRATION_STATUSES = ["pending", "verified", "expired"] as const;
export type RegistrationStatus = (typeof REGISTRATION_STATUSES)[number];

/**
 * A person's NHI-card web-service registration. One row per person: overlapping uploads update
 * the same row, so there is never more than one pending registration.
 */
export const registrations = sqliteTable(
	"registrations",
	{
		id: text("id").primaryKey(),
		idNo: text("id_no").notNull(),
		unitCode: text("unit_code").notNull(),
		email: text("email").notNull(),
		mobile: text("mobile").notNull(),
		phone: text("phone"),
		status: text("status", { enum: REGISTRATION_STATUSES }).notNull(),
		batchId: text("batch_id").notNull(), // the latest upload that (re)issued it
		generation: integer("generation").notNull().default(1), // bumps on every re-issue; old tickets die
		createdAt: integer("created_at").notNull(),
		updatedAt: integer("updated_at").notNull(),
		verifiedAt: integer("verified_at"),
	},
	(t) => [uniqueIndex("registrations_person").on(t.idNo), index("registrations_batch").on(t.batchId)],
);

/**
 * The batch pipeline's hand-off to verification: one row per (batch, registration) that needs a
 * verification mail and window. The verification step consumes queued rows; nothing is lost if it
 * is not there yet, and the hand-off can be replayed.
 */
export const verificationHandoffs = sqliteTable(
	"verification_handoffs",
	{
		batchId: text("batch_id").notNull(),
		registrationId: text("registration_id").notNull(),
		generation: integer("generation").notNull(),
		state: text("state", { enum: ["queued", "opened", "superseded"] }).notNull(),
		createdAt: integer("created_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.batchId, t.registrationId] }), index("handoffs_state").on(t.state, t.batchId)],
);

export const MAIL_STATUSES = ["queued", "sent", "failed"] as const;

/** Mail outbox: every message the portal sends, whichever transport carries it. */
export const mailOutbox = sqliteTable(
	"mail_outbox",
	{
		id: text("id").primaryKey(),
		idempotencyKey: text("idempotency_key").notNull(),
		to: text("to").notNull(), // JSON array of addresses
		subject: text("subject").notNull(),
		text: text("text").notNull(),
		html: text("html"),
		attachments: text("attachments").notNull().default("[]"), // JSON array of attachment references
		status: text("status", { enum: MAIL_STATUSES }).notNull(),
		transport: text("transport").notNull(),
		providerId: text("provider_id"),
		error: text("error"),
		attempts: integer("attempts").notNull().default(0),
		createdAt: integer("created_at").notNull(),
		sentAt: integer("sent_at"),
	},
	(t) => [uniqueIndex("mail_outbox_key").on(t.idempotencyKey), index("mail_outbox_status").on(t.status, t.createdAt)],
);

/**
 * The team's pace at the mail provider (workers/mail/pacer.ts): one row per provider, shared by every
 * sender, so that all batches' objects together stay within the provider's rate limit.
 */
export const mailPacer = sqliteTable("mail_pacer", {
	provider: text("provider").primaryKey(), // "resend"
	nextAt: integer("next_at").notNull(), // the next free request slot (epoch ms)
	pausedUntil: integer("paused_until").notNull().default(0), // no request before (a 429's retry-after, a used-up quota)
	pauseReason: text("pause_reason"), // the provider's error name: rate_limit_exceeded, daily_quota_exceeded, …
});

/** Audit trail (SPEC §10): who uploaded, viewed a log, authorized a clerk, signed in or failed to. */
export const auditLog = sqliteTable(
	"audit_log",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		at: integer("at").notNull(),
		actor: text("actor"), // masked ID of who acted, or "operator"
		unitCode: text("unit_code"),
		action: text("action").notNull(),
		target: text("target"),
		detail: text("detail"),
	},
	(t) => [index("audit_at").on(t.at)],
);

/** Sessions: the cookie carries a random token; only its SHA-256 is stored. */
export const sessions = sqliteTable(
	"sessions",
	{
		tokenHash: text("token_hash").primaryKey(),
		idNo: text("id_no").notNull(),
		csrfToken: text("csrf_token").notNull(),
		method: text("method").notNull(), // how they signed in: nhi-card, moica, moeaca, passkey, demo
		// 工商憑證 sign-in only: the certificate's 統一編號; the session acts only for that company's units
		// (workers/services/certificate-sign-in.ts explains why). Null: all the person's units.
		actingBan: text("acting_ban"),
		createdAt: integer("created_at").notNull(),
		lastSeenAt: integer("last_seen_at").notNull(),
	},
	(t) => [index("sessions_person").on(t.idNo)],
);


export const CHALLENGE_PURPOSES = ["nhi-card", "moica", "moeaca", "passkey-register", "passkey-sign-in", "registrant-card"] as const;
export type ChallengePurpose = (typeof CHALLENGE_PURPOSES)[number];

/**
 * Server challenges for card / certificate / passkey proofs: single-use, short-lived, and bound to
 * the browser that asked (the SHA-256 of its session or pre-session cookie token).
 */
export const challenges = sqliteTable(
	"challenges",
	{
		id: text("id").primaryKey(),
		purpose: text("purpose", { enum: CHALLENGE_PURPOSES }).notNull(),
		bindingHash: text("binding_hash").notNull(),
		challenge: text("challenge").notNull(), // base64url random bytes
		createdAt: integer("created_at").notNull(),
		expiresAt: integer("expires_at").notNull(),
		usedAt: integer("used_at"),
	},
	(t) => [index("challenges_expiry").on(t.expiresAt)],
);

/** 註冊密碼 of a person whose registration is complete. Only the PBKDF2 hash and its parameters. */
export const credentials = sqliteTable("credentials", {
	idNo: text("id_no").primaryKey(),
	passwordHash: text("password_hash").notNull(), // "pbkdf2-sha256$<total iterations>$<per call>$<salt b64url>$<hash b64url>"
	updatedAt: integer("updated_at").notNull(),
	lockedUntil: integer("locked_until"),
});

/** Wrong 註冊密碼 attempts, for the lock-out rule (5 within 15 minutes). */
export const signInFailures = sqliteTable(
	"sign_in_failures",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		idNo: text("id_no").notNull(),
		at: integer("at").notNull(),
	},
	(t) => [index("sign_in_failures_person").on(t.idNo, t.at)],
);

/** WebAuthn passkeys bound after a card or certificate sign-in. */
export const passkeys = sqliteTable(
	"passkeys",
	{
		id: text("id").primaryKey(), // credential id, base64url
		idNo: text("id_no").notNull(),
		publicKey: text("public_key").notNull(), // COSE public key, base64url
		counter: integer("counter").notNull(),
		transports: text("transports"), // JSON array
		label: text("label").notNull(),
		createdAt: integer("created_at").notNull(),
		lastUsedAt: integer("last_used_at"),
	},
	(t) => [index("passkeys_person").on(t.idNo)],
);

/**
 * Verification tickets (SPEC §6): the opaque random value in a registrant's mail link. Only its SHA-256
 * is stored; the ticket itself exists only in the mail. One ticket per (registration, generation): a
 * re-issue bumps the registration's generation, so an older ticket is superseded the moment its
 * generation is no longer the registration's (lookupTicket and the window's confirm both check).
 */
export const verificationTickets = sqliteTable(
	"verification_tickets",
	{
		ticketHash: text("ticket_hash").primaryKey(), // SHA-256 hex of the ticket
		registrationId: text("registration_id").notNull(),
		generation: integer("generation").notNull(),
		batchId: text("batch_id"), // the upload that issued it; null for a 重寄認證信 resend
		issuedAt: integer("issued_at").notNull(),
		expiresAt: integer("expires_at").notNull(), // issued_at + 5 days
		spentAt: integer("spent_at"), // set only by the successful confirmation
	},
	(t) => [uniqueIndex("verification_tickets_registration").on(t.registrationId, t.generation)],
);

/** 重寄認證信 requests, for the per-person cooldown (60 s) and daily cap (5 per Taipei day). */
export const resendRequests = sqliteTable(
	"resend_requests",
	{
		id: integer("id").primaryKey({ autoIncrement: true }),
		idNo: text("id_no").notNull(),
		at: integer("at").notNull(),
	},
	(t) => [index("resend_requests_person").on(t.idNo, t.at)],
);

/**
 * Fixed-window counters for refusals worth throttling (SPEC §7, ticket brute force): one row per
 * (action, client IP, window start). Only attempts that failed are counted; rows older than a day are
 * useless and may be deleted.
 */
export const rateLimits = sqliteTable(
	"rate_limits",
	{
		action: text("action").notNull(), // e.g. "verify.unknown-ticket"
		clientKey: text("client_key").notNull(), // the CF-Connecting-IP address, or "local"
		windowStart: integer("window_start").notNull(), // epoch ms, a multiple of the window length
		count: integer("count").notNull(),
	},
	(t) => [primaryKey({ columns: [t.action, t.clientKey, t.windowStart] })],
);

export const BINDING_SOURCES = ["nhi-card", "id-match"] as const;

/**
 * 自然人憑證 bound to one person (issue 14.1): by issuer + serial, with the SHA-256 of its public key.
 * Written when the person proved themselves with their own NHI card in the same sign-in, or when the
 * ID-match port said the certificate was issued to that ID. Name + last 4 of the ID never bind.
 */
export const certificateBindings = sqliteTable(
	"certificate_bindings",
	{
		issuer: text("issuer").notNull(), // issuer DN as @peculiar/x509 prints it
		serial: text("serial").notNull(), // upper-case hex
		idNo: text("id_no").notNull(),
		publicKeySha256: text("public_key_sha256").notNull(), // hex of SHA-256 over the SubjectPublicKeyInfo
		boundBy: text("bound_by", { enum: BINDING_SOURCES }).notNull(),
		boundAt: integer("bound_at").notNull(),
		revokedAt: integer("revoked_at"),
	},
	(t) => [primaryKey({ columns: [t.issuer, t.serial] }), index("certificate_bindings_person").on(t.idNo)],
);

export const PENDING_PROOF_KINDS = ["certificate-binding", "manager-claim"] as const;
export type PendingProofKind = (typeof PENDING_PROOF_KINDS)[number];

/**
 * A certificate sign-in that needs the person's own proof next, in the same browser (bound to the
 * SHA-256 of its pre-session cookie, like challenges), within 15 minutes: an unbound 自然人憑證
 * waiting for that person's NHI card sign-in to bind it, or a 工商憑證 holder waiting for their own
 * card or bound certificate before they become the manager of a unit that has none.
 */
export const pendingProofs = sqliteTable(
	"pending_proofs",
	{
		bindingHash: text("binding_hash").notNull(),
		kind: text("kind", { enum: PENDING_PROOF_KINDS }).notNull(),
		idNo: text("id_no").notNull(), // the ID typed at the certificate sign-in
		certificateIssuer: text("certificate_issuer").notNull(),
		certificateSerial: text("certificate_serial").notNull(),
		publicKeySha256: text("public_key_sha256").notNull(),
		ban: text("ban"), // manager-claim: the 工商憑證's 統一編號
		createdAt: integer("created_at").notNull(),
		expiresAt: integer("expires_at").notNull(),
	},
	(t) => [primaryKey({ columns: [t.bindingHash, t.kind] })],
);
