// Audit trail (SPEC §10). Actors are recorded masked; details never hold a full ID or a secret.
import { auditLog } from "../../schema/d1.ts";
import type { Db } from "../env.ts";

export type AuditEntry = { actor: string | null; unitCode?: string | null; action: string; target?: string | null; detail?: string | null };

export async function audit(db: Db, entry: AuditEntry, now = Date.now()): Promise<void> {
	await db.insert(auditLog).values({
		at: now,
		actor: entry.actor,
		unitCode: entry.unitCode ?? null,
		action: entry.action,
		target: entry.target ?? null,
		detail: entry.detail ?? null,
	});
}
