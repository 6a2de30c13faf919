// The bench's reference for the import (issue 10): the same file's rows through the same checks and the
// same inserts, on Node's built-in SQLite in one process — no workerd, no HTTP, no Durable Object. The
// pure parse step (durable/batch-upload.steps.ts), the register step's SQL (registerChunk) and the
// counts (countResults, drizzle) are called as they are, through a D1-shaped adapter, against a database
// built from schema/migrations/ and seeded with the portal's own seed. What the portal adds on top of this — the
// object's storage, its alarms, D1's process boundary — is the gap that import_vs_limit shows.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync, type SQLInputValue, type StatementSync } from "node:sqlite";
import { parseStep } from "../../durable/batch-upload.steps.ts";
import { decodeCsvBytes } from "../../workers/domain/csv-decode.ts";
import { calendarDateToIso, taipeiToday } from "../../workers/domain/roc-date.ts";
import { drizzle } from "drizzle-orm/d1";
import * as schema from "../../schema/d1.ts";
import { countResults } from "../../workers/services/batch-counts.ts";
import { registerChunk } from "../../workers/sql/batch.ts";
import { ROOT } from "./wrangler-dev.ts";

/** Just what registerChunk and drizzle's D1 driver use of D1: prepare / bind / run / all / raw, and batch as one transaction. */
class SqliteD1 {
	readonly #db: DatabaseSync;
	readonly #statements = new Map<string, StatementSync>();

	constructor(db: DatabaseSync) {
		this.#db = db;
	}

	prepare(sql: string) {
		const statement = this.#statements.get(sql) ?? this.#db.prepare(sql);
		this.#statements.set(sql, statement);
		const bound = (params: SQLInputValue[]) => ({
			run: async () => statement.run(...params),
			all: async () => ({ results: statement.all(...params) }),
			raw: async () => statement.all(...params).map((row) => Object.values(row)),
		});
		return { ...bound([]), bind: (...params: SQLInputValue[]) => bound(params) };
	}

	async batch(statements: readonly { run: () => Promise<unknown> }[]): Promise<void> {
		this.#db.exec("BEGIN");
		try {
			for (const s of statements) await s.run();
			this.#db.exec("COMMIT");
		} catch (err) {
			this.#db.exec("ROLLBACK");
			throw err;
		}
	}
}

/** A database file at `file` with every D1 migration applied and `seedSql` run (not timed). */
export function limitDatabase(file: string, seedSql: string): DatabaseSync {
	const db = new DatabaseSync(file);
	// WAL, as workerd keeps its SQLite files.
	db.exec("PRAGMA journal_mode = WAL");
	const dir = path.join(ROOT, "schema", "migrations");
	for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) db.exec(readFileSync(path.join(dir, name), "utf8"));
	db.exec(seedSql);
	return db;
}

/**
 * Imports `bytes` as batch `batchId` of `unitCode` the portal's way (decode, parse, every chunk's
 * register transaction, the counts) and answers how long it took, from the decoded text to the counts.
 */
export async function importOnSqlite(db: DatabaseSync, batchId: string, unitCode: string, bytes: Uint8Array): Promise<{ ms: number; total: number; success: number }> {
	const decoded = decodeCsvBytes(bytes);
	if (!decoded.ok) throw new Error(`the bench file does not decode: ${decoded.code}`);
	const now = Date.now();
	db.prepare(
		`INSERT INTO batches (id, unit_code, uploader_id_no, uploader_name, contact_name, contact_email, file_name, file_bytes, uploaded_at, status)
		VALUES (?, ?, '', '', '', '', 'limit.csv', ?, ?, 'importing')`,
	).run(batchId, unitCode, bytes.byteLength, now);
	const d1 = new SqliteD1(db) as unknown as D1Database;
	const t0 = performance.now();
	const parsed = parseStep(decoded.text);
	if (!parsed.ok) throw new Error(`the bench file does not parse: ${parsed.code}`);
	const todayIso = calendarDateToIso(taipeiToday(now));
	for (const chunk of parsed.chunks) {
		const input = { batchId, unitCode, todayIso, now, rowsDone: chunk.results.at(-1)?.[0] ?? 0, resultsJson: JSON.stringify(chunk.results), contactsJson: JSON.stringify(chunk.contacts) };
		await registerChunk(d1, input);
	}
	const counts = await countResults(drizzle(d1, { schema }), batchId);
	return { ms: performance.now() - t0, total: counts.total, success: counts.success };
}
