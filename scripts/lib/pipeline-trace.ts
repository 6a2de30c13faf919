// Where a batch's time goes, seen from outside: the BatchUpload Durable Object keeps its step and chunk
// cursor in one `state` row (schema/durable/batch-upload.ts), and under wrangler dev that row lives in a
// SQLite file below --persist-to. Reading it read-only on a timer shows every step and chunk transition,
// even while the Worker is too busy to answer the status endpoint. Local development only, of course.

import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

export type Transition = { at: number; step: string; cursor: number; chunkCount: number };

type StateRow = { batch_id: string; step: string; cursor: number; chunk_count: number };

function isStateRow(row: unknown): row is StateRow {
	return typeof row === "object" && row !== null && "batch_id" in row && "step" in row && "cursor" in row && "chunk_count" in row;
}

export class PipelineTracer {
	#dir: string;
	#batchId: string;
	#db: DatabaseSync | null = null;
	#timer: NodeJS.Timeout | null = null;
	#transitions: Transition[] = [];
	#errors = 0;

	/** `persistTo` as given to wrangler dev; `batchId` names the object (getByName). */
	constructor(persistTo: string, batchId: string) {
		this.#dir = path.join(persistTo, "v3", "do");
		this.#batchId = batchId;
	}

	start(everyMs: number): void {
		this.#sample();
		this.#timer = setInterval(() => this.#sample(), everyMs);
	}

	stop(): { transitions: Transition[]; unreadable: number } {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#sample();
		this.#db?.close();
		this.#db = null;
		return { transitions: this.#transitions, unreadable: this.#errors };
	}

	#sample(): void {
		const at = performance.now();
		try {
			const row = this.#read();
			if (!row) return;
			const last = this.#transitions.at(-1);
			if (last?.step !== row.step || last.cursor !== row.cursor || last.chunkCount !== row.chunk_count) {
				this.#transitions.push({ at, step: row.step, cursor: row.cursor, chunkCount: row.chunk_count });
			}
		} catch {
			// SQLITE_BUSY or a file being created: the next sample will see it.
			this.#errors++;
			this.#db?.close();
			this.#db = null;
		}
	}

	#read(): StateRow | null {
		if (this.#db) {
			const row: unknown = this.#db.prepare("SELECT batch_id, step, cursor, chunk_count FROM state WHERE id = 1").get();
			return isStateRow(row) ? row : null;
		}
		// Find the object's file: the one whose state row names this batch.
		if (!existsSync(this.#dir)) return null;
		for (const dir of readdirSync(this.#dir).filter((d) => d.endsWith("-BatchUpload"))) {
			for (const file of readdirSync(path.join(this.#dir, dir)).filter((f) => f.endsWith(".sqlite"))) {
				const db = new DatabaseSync(path.join(this.#dir, dir, file), { readOnly: true });
				try {
					const row: unknown = db.prepare("SELECT batch_id, step, cursor, chunk_count FROM state WHERE id = 1").get();
					if (isStateRow(row) && row.batch_id === this.#batchId) {
						this.#db = db;
						return row;
					}
				} catch {
					// not migrated yet, or another object
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
 * step's tail — after its last chunk, when it counts the results and mails the clerk — is its own entry,
 * "notify (clerk mail)".
 */
export function stepTimings(transitions: readonly Transition[], origin: number, end: number): StepTiming[] {
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
