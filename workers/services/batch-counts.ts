// A batch's exact counts, from its stored per-row results (SPEC §4: 成功筆數 / 失敗筆數).
import { count, eq, sql } from "drizzle-orm";
import { batchRows } from "../../schema/d1.ts";
import type { Db } from "../env.ts";

export type BatchCounts = { total: number; success: number; failed: number };

/** Exact counts of a batch, from its stored results. */
export async function countResults(db: Db, batchId: string): Promise<BatchCounts> {
	const row = await db
		.select({ total: count(), success: sql<number>`coalesce(sum(${batchRows.outcome} <> 'failed'), 0)` })
		.from(batchRows)
		.where(eq(batchRows.batchId, batchId))
		.get();
	const total = row?.total ?? 0;
	const success = row?.success ?? 0;
	return { total, success, failed: total - success };
}
