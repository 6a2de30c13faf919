// BatchUpload — one object per upload (健保卡註冊申請整批資料上傳), named by the batch id.
//
// Responsibilities: keep the uploaded text, and step the batch through parse → register → notify →
// verify on its alarm (SPEC §3). The row checks of SPEC §2 run in parse (formats, duplicates in the
// file) and inside register's transaction (roster, registrations: see batch-upload.steps.ts). The
// batch is 入檔完畢 for the clerk when notify ends (its rows are in and the clerk is mailed); verify
// then hands the registrants to verification, opens their windows and sends their mails, one bounded
// wave per alarm invocation, before the object is done. A batch that fails (入檔失敗: a whole-file
// fault found by parse, or a step that kept throwing) goes through notify too — with its failure code
// in the state row — so its clerk is mailed as surely as after 入檔完畢, then ends as failed. The step and its
// cursor are one persisted row, written before the side effects of the next chunk, and every side
// effect is idempotent (see workers/sql/batch.ts and workers/services/verification.ts), so if the runtime dies
// anywhere the alarm resumes where it stopped: no row is registered twice, the clerk gets one mail,
// each registrant one verification mail, and the counts stay exact.
//
// Why a Durable Object and not Cloudflare Workflows: the product keeps one addressable object per
// batch whose storage holds the file and the parsed chunks next to the code that walks them, with
// an RPC surface (start, status) for the Worker; see README "Architecture".
import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/d1";
import { eq } from "drizzle-orm";
import * as schema from "../schema/d1.ts";
import { batches } from "../schema/d1.ts";
import { BATCH_UPLOAD_MIGRATIONS } from "../schema/durable/batch-upload.ts";
import { calendarDateToIso, taipeiToday } from "../workers/domain/roc-date.ts";
import { FILE_REASONS, INTERNAL_FAILURE, type FileReasonCode } from "../workers/domain/reasons.ts";
import { mailPausedUntil, sendMail } from "../workers/mail/outbox.ts";
import { batchAttachments } from "../workers/services/batch-attachments.ts";
import { clerkFailureMail, clerkResultMail } from "../workers/services/batch-mail.ts";
import { countResults } from "../workers/services/batch-counts.ts";
import { registerChunk } from "../workers/sql/batch.ts";
import { queueHandoffs } from "../workers/sql/verification.ts";
import { newTicketKey, openWindowsWave, waveSize } from "../workers/services/verification.ts";
import { countBatchesOpening } from "../workers/services/verification-queries.ts";
import { parseStep, type Step } from "./batch-upload.steps.ts";
import { migrate } from "./sql-migrations.ts";

/** Characters per stored file part: ≤ 3 bytes each in UTF-8, so a part stays under the 2 MB row limit. */
const FILE_PART_CHARS = 600_000;
/**
 * Wall-clock budget of one alarm invocation. Work goes on chunk by chunk until it is spent, then
 * the object re-arms its alarm, so no invocation runs unbounded (and its subrequests stay far below
 * the 1,000-per-invocation limit: one D1 call per chunk). Locally the portal's other requests wait
 * while an invocation runs (one workerd thread), so it is short: with 1 s the status poll answers
 * within ~2 s during a 100,000-row import; with 250 ms it answered within ~1 s, but re-arming between
 * every chunk cost import speed (npm run bench, six runs each: 51–62k rows/s with 1 s, 44–65k with 250 ms).
 */
const ALARM_BUDGET_MS = 1000;
/** After this many failed alarm attempts on one step the batch is failed instead of retried forever. */
const MAX_ALARM_RETRIES = 5;
/**
 * verify runs after 入檔完畢, so its failures never turn the batch into 入檔失敗: past the retries (or
 * when the mail provider takes nothing), the step waits this long and tries again. notify waits as long
 * for a clerk's mail the provider did not take yet. Either waits longer while the provider pauses every
 * sender (a 429's retry-after, a used-up daily or monthly quota): a quota never fails a batch.
 */
const MAIL_BACKOFF_MS = 60_000;

export type StartBatch = {
	batchId: string;
	unitCode: string;
	fileName: string;
	uploadedAt: number;
	text: string;
};

type State = {
	batch_id: string;
	unit_code: string;
	file_name: string;
	uploaded_at: number;
	step: Step;
	cursor: number;
	chunk_count: number;
	total_rows: number;
	started_at: number | null;
	finished_at: number | null;
	failure_code: string | null;
	ticket_key: string | null;
};

export type BatchProgress = { step: Step; cursor: number; chunkCount: number; totalRows: number } | null;

export class BatchUpload extends DurableObject<Env> {
	#sql: SqlStorage;

	constructor(ctx: DurableObjectState, env: Env) {
		super(ctx, env);
		this.#sql = ctx.storage.sql;
		void ctx.blockConcurrencyWhile(async () => migrate(this.#sql, BATCH_UPLOAD_MIGRATIONS));
	}

	/** Store the file and arm the pipeline. Calling it again for the same batch changes nothing. */
	async start(input: StartBatch): Promise<void> {
		if (this.#state()) return;
		this.ctx.storage.transactionSync(() => {
			for (let i = 0, idx = 0; i < input.text.length || idx === 0; i += FILE_PART_CHARS, idx++) {
				this.#sql.exec("INSERT INTO file_parts (idx, text) VALUES (?, ?)", idx, input.text.slice(i, i + FILE_PART_CHARS));
			}
			this.#sql.exec(
				`INSERT INTO state (id, batch_id, unit_code, file_name, uploaded_at, step, started_at)
				VALUES (1, ?, ?, ?, ?, 'parse', ?)`,
				input.batchId,
				input.unitCode,
				input.fileName,
				input.uploadedAt,
				Date.now(),
			);
		});
		await this.ctx.storage.setAlarm(Date.now());
	}

	/** Where the pipeline stands (for operators and tests). */
	async progress(): Promise<BatchProgress> {
		const s = this.#state();
		return s ? { step: s.step, cursor: s.cursor, chunkCount: s.chunk_count, totalRows: s.total_rows } : null;
	}

	override async alarm(info?: AlarmInvocationInfo): Promise<void> {
		const state = this.#state();
		if (!state || state.step === "done" || state.step === "failed") return;
		if ((info?.retryCount ?? 0) > MAX_ALARM_RETRIES) {
			if (state.step === "verify") {
				await this.ctx.storage.setAlarm(Date.now() + MAIL_BACKOFF_MS);
				return;
			}
			if (state.step === "notify" && state.failure_code !== null) {
				// The failure mail would not go out: the batch ends anyway; the mail stays queued in the
				// outbox, which the Cron Trigger retries (deliverQueued).
				this.#sql.exec("UPDATE state SET step = 'failed'");
				return;
			}
			await this.#fail(state, "INTERNAL");
		}
		const deadline = Date.now() + ALARM_BUDGET_MS;
		let s: State | null = this.#state();
		let next = Date.now();
		while (s && s.step !== "done" && s.step !== "failed" && Date.now() < deadline) {
			if (s.step === "verify") {
				// One wave per invocation: an invocation that touches more than ~6,600 Durable Objects fails
				// locally (one SQLite file each), and a wave already opens up to WINDOW_WAVE of them.
				const progressed = await this.#verify(s);
				next = progressed ? Date.now() : await this.#mailRetryAt();
				s = this.#state();
				break;
			}
			const waiting = await this.#advance(s);
			s = this.#state();
			if (waiting) {
				next = await this.#mailRetryAt();
				break;
			}
			next = Date.now();
		}
		if (s && s.step !== "done" && s.step !== "failed") await this.ctx.storage.setAlarm(next);
	}

	/** Run one bounded unit of work of the current step. Answers true when it is waiting for the mail provider. */
	async #advance(s: State): Promise<boolean> {
		switch (s.step) {
			case "parse":
				await this.#parse(s);
				return false;
			case "register":
				await this.#register(s);
				return false;
			case "notify":
				return this.#notify(s);
			case "verify":
				return !(await this.#verify(s));
			case "done":
			case "failed":
				return false;
			default:
				return assertNever(s.step);
		}
	}

	async #parse(s: State): Promise<void> {
		const text = this.#sql
			.exec<{ text: string }>("SELECT text FROM file_parts ORDER BY idx")
			.toArray()
			.map((p) => p.text)
			.join("");
		const parsed = parseStep(text);
		if (!parsed.ok) return this.#fail(s, parsed.code, parsed.detail);
		await this.#db()
			.update(batches)
			.set({ status: "importing", totalRows: parsed.total, headerSkipped: parsed.headerSkipped, startedAt: s.started_at })
			.where(eq(batches.id, s.batch_id));
		this.ctx.storage.transactionSync(() => {
			parsed.chunks.forEach(({ results, contacts }, idx) => {
				this.#sql.exec(
					"INSERT INTO chunks (idx, rows, contacts, last_row) VALUES (?, ?, ?, ?)",
					idx,
					JSON.stringify(results),
					JSON.stringify(contacts),
					results.at(-1)?.[0] ?? 0,
				);
			});
			this.#sql.exec("DELETE FROM file_parts");
			this.#sql.exec(
				"UPDATE state SET step = 'register', cursor = 0, chunk_count = ?, total_rows = ?",
				parsed.chunks.length,
				parsed.total,
			);
		});
	}

	async #register(s: State): Promise<void> {
		const chunk = this.#sql
			.exec<{ rows: string; contacts: string; last_row: number }>("SELECT rows, contacts, last_row FROM chunks WHERE idx = ?", s.cursor)
			.one();
		await registerChunk(this.env.DB, {
			batchId: s.batch_id,
			unitCode: s.unit_code,
			todayIso: calendarDateToIso(taipeiToday(Date.now())),
			now: Date.now(),
			rowsDone: chunk.last_row,
			resultsJson: chunk.rows,
			contactsJson: chunk.contacts,
		});
		this.ctx.storage.transactionSync(() => this.#nextChunk(s, "notify"));
	}

	/**
	 * The batch's end for the clerk: exact counts, 入檔完畢 and the result mail (once); or 入檔失敗's mail.
	 * Answers true while the provider has not taken the mail yet (the step is then retried later).
	 */
	async #notify(s: State): Promise<boolean> {
		if (s.failure_code !== null) return this.#notifyFailure(s);
		// Fix the end time once, so the log and its file name are the same on every replay; it is in
		// D1 before the mail renders the log attachment.
		const finishedAt = s.finished_at ?? Date.now();
		if (s.finished_at === null) this.#sql.exec("UPDATE state SET finished_at = ?", finishedAt);
		const db = this.#db();
		const counts = await countResults(db, s.batch_id);
		const batch = await db
			.update(batches)
			.set({ rowsDone: counts.total, successCount: counts.success, failureCount: counts.failed, finishedAt })
			.where(eq(batches.id, s.batch_id))
			.returning()
			.get();
		if (batch) {
			const mail = await sendMail(this.env, db, await clerkResultMail(db, batch, counts, this.env.APP_ORIGIN), {
				attachments: batchAttachments(db),
			});
			// A provider hiccup or a used-up quota leaves the mail queued: try again later rather than
			// call the batch done before its clerk was told. Retryable failures run out after
			// MAX_DELIVERY_ATTEMPTS (the mail is then failed and the batch ends); a quota does not.
			if (mail.status === "queued") return true;
			await db.update(batches).set({ status: "done" }).where(eq(batches.id, s.batch_id));
		}
		this.ctx.storage.transactionSync(() => {
			this.#sql.exec("DELETE FROM chunks");
			// The ticket key is drawn once: a replayed notify keeps it, so tickets already mailed stay derivable.
			this.#sql.exec("UPDATE state SET step = 'verify', cursor = 0, ticket_key = coalesce(ticket_key, ?)", newTicketKey());
		});
		return false;
	}

	/** When to try the mail provider again: after the back-off, and not before a pause of every sender ends. */
	async #mailRetryAt(): Promise<number> {
		return Math.max(Date.now() + MAIL_BACKOFF_MS, await mailPausedUntil(this.env));
	}

	/**
	 * The hand-off (cursor 0), then one wave of verification windows per call
	 * (workers/services/verification.ts); done when no hand-off is left queued. Answers whether the
	 * call moved anything on (false: the mail provider took nothing).
	 */
	async #verify(s: State): Promise<boolean> {
		if (!s.ticket_key) throw new Error(`batch ${s.batch_id}: verify step without a ticket key`);
		if (s.cursor === 0) {
			// First the hand-off: queue the registrants this batch issued (after 入檔完畢, so the clerk
			// does not wait for it), then the waves.
			await queueHandoffs(this.env.DB, s.batch_id, Date.now());
			this.#sql.exec("UPDATE state SET cursor = 1");
			return true;
		}
		const size = waveSize(await countBatchesOpening(this.#db()));
		const wave = await openWindowsWave(this.env, this.#db(), s.batch_id, size, { ticketKey: s.ticket_key });
		if (wave.remaining === 0) {
			// The key is only needed while windows are being opened; nothing is derived from it after this.
			this.#sql.exec("UPDATE state SET step = 'done', ticket_key = NULL");
			return true;
		}
		return wave.opened + wave.superseded > 0;
	}

	/**
	 * 入檔失敗: record the reason (with its detail, e.g. which column is where) in D1, keep nothing of
	 * the file, and go on to notify with the failure code set, which mails the clerk.
	 */
	async #fail(s: State, code: FileReasonCode | "INTERNAL", detail?: string): Promise<void> {
		const message = (code === "INTERNAL" ? INTERNAL_FAILURE.message : FILE_REASONS[code].message) + (detail ?? "");
		const finishedAt = Date.now();
		await this.#db()
			.update(batches)
			.set({ status: "failed", failureCode: code, failureMessage: message, finishedAt })
			.where(eq(batches.id, s.batch_id));
		this.ctx.storage.transactionSync(() => {
			this.#sql.exec("DELETE FROM file_parts");
			this.#sql.exec("DELETE FROM chunks");
			this.#sql.exec("UPDATE state SET step = 'notify', cursor = 0, failure_code = ?, finished_at = ?", code, finishedAt);
		});
	}

	/**
	 * The clerk's 入檔失敗 mail (once: the same key as the result mail), then the object is through. The
	 * batch is already 入檔失敗 in D1; while the provider has not taken the mail, answers true (retried later).
	 */
	async #notifyFailure(s: State): Promise<boolean> {
		const db = this.#db();
		const batch = await db.select().from(batches).where(eq(batches.id, s.batch_id)).get();
		if (batch) {
			const mail = await sendMail(this.env, db, await clerkFailureMail(db, batch), { attachments: batchAttachments(db) });
			if (mail.status === "queued") return true;
		}
		this.#sql.exec("UPDATE state SET step = 'failed'");
		return false;
	}

	#nextChunk(s: State, nextStep: Step): void {
		if (s.cursor + 1 < s.chunk_count) this.#sql.exec("UPDATE state SET cursor = cursor + 1");
		else this.#sql.exec("UPDATE state SET step = ?, cursor = 0", nextStep);
	}

	#state(): State | null {
		return this.#sql.exec<State>("SELECT * FROM state WHERE id = 1").toArray()[0] ?? null;
	}

	#db() {
		return drizzle(this.env.DB, { schema });
	}
}

function assertNever(x: never): never {
	throw new Error(`unexpected step ${String(x)}`);
}
