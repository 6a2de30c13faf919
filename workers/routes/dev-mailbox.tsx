// Development mailbox (SPEC §9): the messages in mail_outbox, newest first, as pages and as JSON for
// scripts and tests. Development only — 404 in any other ENVIRONMENT. Mounted at /dev, so its paths
// carry the /mailbox prefix themselves (/dev/mailbox.json cannot live under a /mailbox sub-app).
import { and, count, desc, eq, sql, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import * as z from "zod/mini";
import { mailOutbox } from "../../schema/d1.ts";
import {
	findLinks,
	MailboxList,
	MailboxMessagePage,
	type MailboxAttachment,
	type MailboxEntry,
	type MailboxMessage,
} from "../../web/pages/dev-mailbox.tsx";
import type { AppEnv, Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { validate } from "../lib/validate.ts";
import { parseAttachmentRefs } from "../mail/attachment-refs.ts";
import type { AttachmentRef } from "../mail/types.ts";
import { devOnly } from "../middleware/dev-only.ts";
import { findAttachment } from "../services/batch-attachments.ts";

/** The list shows the newest messages only (of those the search matches); older ones stay in D1. */
const LIST_LIMIT = 100;
const SEARCH_MAX_LENGTH = 100;

const ATTACHMENT_LABELS = { "batch-log": "入檔記錄", "batch-result-csv": "入檔結果" } as const satisfies Record<
	AttachmentRef["kind"],
	string
>;

type OutboxRow = typeof mailOutbox.$inferSelect;

const messageParam = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) });

export const devMailboxRoutes = new Hono<AppEnv>()
	.use(devOnly)
	.get("/mailbox", validate("query", z.object({ q: z.optional(z.string().check(z.maxLength(SEARCH_MAX_LENGTH))) })), async (c) => {
		const q = (c.req.valid("query").q ?? "").trim();
		const [rows, total] = await Promise.all([newest(c.var.db, undefined, q), countMatching(c.var.db, q)]);
		return c.render(<MailboxList messages={rows.map(entry)} sender={c.env.MAIL_FROM} query={q} total={total} limit={LIST_LIMIT} />, { title: "開發用信箱" });
	})
	.get("/mailbox.json", validate("query", z.object({ to: z.optional(z.string().check(z.maxLength(254))) })), async (c) => {
		const { to } = c.req.valid("query");
		const rows = await newest(c.var.db, to);
		const messages = [];
		for (const row of rows) {
			const attachments = await attachmentsOf(c.var.db, row);
			messages.push({
				id: row.id,
				to: entry(row).to,
				subject: row.subject,
				text: row.text,
				links: findLinks(row.text),
				attachments: attachments.map((a) => ({ name: a.name, url: a.href })),
				status: row.status,
				transport: row.transport,
				createdAt: new Date(row.createdAt).toISOString(),
			});
		}
		return c.json({ messages });
	})
	.get("/mailbox/:id", validate("param", messageParam), async (c) => {
		const row = await byId(c.var.db, c.req.valid("param").id);
		const message: MailboxMessage = {
			...entry(row),
			text: row.text,
			hasHtml: row.html !== null,
			attempts: row.attempts,
			error: row.error,
			providerId: row.providerId,
			sentAt: row.sentAt,
			attachments: await attachmentsOf(c.var.db, row),
		};
		return c.render(<MailboxMessagePage message={message} sender={c.env.MAIL_FROM} />, { title: row.subject });
	})
	.get(
		"/mailbox/:id/attachments/:n",
		validate("param", z.extend(messageParam, { n: z.pipe(z.coerce.number(), z.int().check(z.minimum(0), z.maximum(99))) })),
		async (c) => {
			const { id, n } = c.req.valid("param");
			const ref = parseAttachmentRefs((await byId(c.var.db, id)).attachments)[n];
			const file = ref ? await findAttachment(c.var.db, ref) : null;
			if (!file) throw new AppError("NOT_FOUND");
			return c.body(file.content.slice(), 200, {
				"Content-Type": file.contentType,
				"Content-Disposition": contentDisposition(file.filename),
				"Cache-Control": "no-store",
			});
		},
	);

/** A search word: in a recipient, the subject or the text (plain substring, case-insensitive for ASCII). */
function matching(q: string): SQL | undefined {
	if (q === "") return undefined;
	return sql`(instr(lower(${mailOutbox.to}), lower(${q})) > 0 OR instr(lower(${mailOutbox.subject}), lower(${q})) > 0 OR instr(lower(${mailOutbox.text}), lower(${q})) > 0)`;
}

function newest(db: Db, to?: string, q = ""): Promise<OutboxRow[]> {
	// `to` is a JSON array of addresses: match the quoted address exactly.
	const where = and(to === undefined ? undefined : sql`instr(${mailOutbox.to}, ${JSON.stringify(to)}) > 0`, matching(q));
	return db.select().from(mailOutbox).where(where).orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id)).limit(LIST_LIMIT).all();
}

async function countMatching(db: Db, q: string): Promise<number> {
	return (await db.select({ n: count() }).from(mailOutbox).where(matching(q)).get())?.n ?? 0;
}

async function byId(db: Db, id: string): Promise<OutboxRow> {
	const row = await db.select().from(mailOutbox).where(eq(mailOutbox.id, id)).get();
	if (!row) throw new AppError("NOT_FOUND");
	return row;
}

function entry(row: OutboxRow): MailboxEntry {
	const to: unknown = JSON.parse(row.to);
	return {
		id: row.id,
		to: Array.isArray(to) ? to.filter((a): a is string => typeof a === "string") : [],
		subject: row.subject,
		status: row.status,
		transport: row.transport,
		createdAt: row.createdAt,
	};
}

/** Attachments are resolved at view time (they are stored by reference). */
async function attachmentsOf(db: Db, row: OutboxRow): Promise<MailboxAttachment[]> {
	const refs = parseAttachmentRefs(row.attachments);
	const out: MailboxAttachment[] = [];
	for (const [n, ref] of refs.entries()) {
		const file = await findAttachment(db, ref);
		out.push({
			name: file?.filename ?? null,
			label: ATTACHMENT_LABELS[ref.kind],
			href: `/dev/mailbox/${row.id}/attachments/${n}`,
			size: file?.content.byteLength ?? null,
		});
	}
	return out;
}

/** RFC 6266 with an RFC 5987 `filename*` for UTF-8 names, and an ASCII fallback for old clients. */
export function contentDisposition(filename: string): string {
	const fallback = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
	const encoded = encodeURIComponent(filename).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
	return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
