// Where a batch's time goes, seen from outside. Under wrangler dev both stores are SQLite files below
// --persist-to: the BatchUpload Durable Object keeps its step and chunk cursor in one `state` row
// (schema/durable/batch-upload.ts), and local D1 keeps the batch record (status, rows_done). Reading both
// read-only on a timer shows every step, chunk and status transition as it is committed — even while
// the Worker is too busy to answer the status endpoint. Local development only, of course.

import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/** A change of the object's state row. */
export type StepTransition = { at: number; step: string; cursor: number; chunkCount: number };
/** A change of the batch record in D1. */
export type StatusTransition = { at: number; status: string; rowsDone: number };

type Source<T> = { db: DatabaseSync | null; last: string; transitions: T[] };

const STATE_SQL = "SELECT step, cursor, chunk_count FROM state WHERE id = 1";
const BATCH_SQL = "SELECT status, rows_done FROM batches WHERE id = ?";

function record(row: unknown, key: string): Record<string, unknown> | null {
	return typeof row === "object" && row !== null && key in row ? (row as Record<string, unknown>) : null;
}

export class PipelineTracer {
	#persistTo: string;
	#batchId: string;
	#timer: NodeJS.Timeout | null = null;
	#object: Source<StepTransition> = { db: null, last: "", transitions: [] };
	#batch: Source<StatusTransition> = { db: null, last: "", transitions: [] };
	#unreadable = 0;

	/** `persistTo` as given to wrangler dev; `batchId` names the object (getByName) and the D1 row. */
	constructor(persistTo: string, batchId: string) {
		this.#persistTo = persistTo;
		this.#batchId = batchId;
	}

	start(everyMs: number): void {
		this.#sample();
		this.#timer = setInterval(() => this.#sample(), everyMs);
	}

	/** When the D1 record first showed `status`, or null. */
	statusAt(status: string): number | null {
		return this.#batch.transitions.find((t) => t.status === status)?.at ?? null;
	}

	/** The transitions seen so far. */
	snapshot(): { steps: StepTransition[]; statuses: StatusTransition[]; unreadable: number } {
		return { steps: [...this.#object.transitions], statuses: [...this.#batch.transitions], unreadable: this.#unreadable };
	}

	stop(): { steps: StepTransition[]; statuses: StatusTransition[]; unreadable: number } {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#sample();
		for (const source of [this.#object, this.#batch]) {
			source.db?.close();
			source.db = null;
		}
		return this.snapshot();
	}

	#sample(): void {
		const at = performance.now();
		this.#read(this.#object, "do", (d) => d.endsWith("-BatchUpload"), (db) => {
			const row = record(db.prepare(STATE_SQL).get(), "step");
			if (!row) return null;
			const t = { at, step: String(row.step), cursor: Number(row.cursor), chunkCount: Number(row.chunk_count) };
			return { key: `${t.step}/${t.cursor}/${t.chunkCount}`, transition: t };
		}, (db) => record(db.prepare("SELECT batch_id FROM state WHERE id = 1").get(), "batch_id")?.batch_id === this.#batchId);
		this.#read(this.#batch, "d1", () => true, (db) => {
			const row = record(db.prepare(BATCH_SQL).get(this.#batchId), "status");
			if (!row) return null;
			const t = { at, status: String(row.status), rowsDone: Number(row.rows_done) };
			return { key: `${t.status}/${t.rowsDone}`, transition: t };
		}, (db) => record(db.prepare(BATCH_SQL).get(this.#batchId), "status") !== null);
	}

	/** Reads one source, first finding its file (the one `owns` says holds this batch). */
	#read<T>(
		source: Source<T>,
		kind: "do" | "d1",
		dirFilter: (dir: string) => boolean,
		read: (db: DatabaseSync) => { key: string; transition: T } | null,
		owns: (db: DatabaseSync) => boolean,
	): void {
		try {
			source.db ??= this.#find(kind, dirFilter, owns);
			if (!source.db) return;
			const row = read(source.db);
			if (row && row.key !== source.last) {
				source.last = row.key;
				source.transitions.push(row.transition);
			}
		} catch {
			// SQLITE_BUSY, or a file still being created: the next sample will see it.
			this.#unreadable++;
			source.db?.close();
			source.db = null;
		}
	}

	#find(kind: "do" | "d1", dirFilter: (dir: string) => boolean, owns: (db: DatabaseSync) => boolean): DatabaseSync | null {
		const root = path.join(this.#persistTo, "v3", kind);
		if (!existsSync(root)) return null;
		for (const dir of readdirSync(root).filter(dirFilter)) {
			for (const file of readdirSync(path.join(root, dir)).filter((f) => f.endsWith(".sqlite"))) {
				const db = new DatabaseSync(path.join(root, dir, file), { readOnly: true });
				try {
					if (owns(db)) return db;
				} catch {
					// not migrated yet, or another object's file
				}
				db.close();
			}
		}
		return null;
	}
}

export type StepTiming = { step: string; startMs: number; ms: number; chunks: number };

/**
 * Per step: when it began (relative to `origin`), how long it took, over how many chunks. The notify
 * step's tail — after its last chunk, when it counts the results, mails the clerk and sets 入檔完畢 — is
 * its own entry, "notify (clerk mail)".
 */
export function stepTimings(transitions: readonly StepTransition[], origin: number, end: number): StepTiming[] {
	const out: StepTiming[] = [];
	for (const t of transitions) {
		const current = out.at(-1);
		const step = t.step === "notify" && t.chunkCount > 0 && t.cursor >= t.chunkCount ? "notify (clerk mail)" : t.step;
		if (current?.step === step) continue;
		if (current) current.ms = t.at - origin - current.startMs;
		out.push({ step, startMs: t.at - origin, ms: 0, chunks: step === t.step ? t.chunkCount : 0 });
	}
	const last = out.at(-1);
	if (last && last.step !== "done" && last.step !== "failed") last.ms = end - origin - last.startMs;
	return out;
}
