// Verification's single-row reads and writes, in drizzle (STYLE 11): what one window, one ticket or one
// person's registration says now, and a batch's hand-off counts. The bulk and guarded statements are
// raw SQL in workers/sql/verification.ts.
import { and, count, countDistinct, eq, gte, max, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import {
	people,
	registrations,
	resendRequests,
	roster,
	units,
	verificationHandoffs,
	verificationTickets,
	type RegistrationStatus,
} from "../../schema/d1.ts";
import type { Db } from "../env.ts";
import type { WindowKey } from "../sql/verification.ts";

/** How many batches have hand-offs waiting for their window and mail (the batches in their verify step). */
export async function countBatchesOpening(db: Db): Promise<number> {
	const row = await db
		.select({ n: countDistinct(verificationHandoffs.batchId) })
		.from(verificationHandoffs)
		.where(eq(verificationHandoffs.state, "queued"))
		.get();
	return row?.n ?? 0;
}

/** Hand-offs of a batch still waiting for their window and mail. */
export async function countQueued(db: Db, batchId: string): Promise<number> {
	const row = await db
		.select({ n: count() })
		.from(verificationHandoffs)
		.where(and(eq(verificationHandoffs.batchId, batchId), eq(verificationHandoffs.state, "queued")))
		.get();
	return row?.n ?? 0;
}

/** A batch's hand-offs by state, for the status JSON and the bench. */
export async function handoffCounts(db: Db, batchId: string): Promise<{ queued: number; opened: number; superseded: number }> {
	const rows = await db
		.select({ state: verificationHandoffs.state, n: count() })
		.from(verificationHandoffs)
		.where(eq(verificationHandoffs.batchId, batchId))
		.groupBy(verificationHandoffs.state);
	const counts = { queued: 0, opened: 0, superseded: 0 };
	for (const r of rows) counts[r.state] = r.n;
	return counts;
}

export type WindowStanding = "open" | "ALREADY_CONFIRMED" | "EXPIRED" | "SUPERSEDED";

/** What D1 says of one window now: still open, or why not. */
export async function windowStanding(db: Db, key: WindowKey, now: number): Promise<WindowStanding> {
	const row = await db
		.select({
			generation: registrations.generation,
			status: registrations.status,
			spentAt: verificationTickets.spentAt,
			expiresAt: verificationTickets.expiresAt,
		})
		.from(registrations)
		.leftJoin(
			verificationTickets,
			and(
				eq(verificationTickets.ticketHash, key.ticketHash),
				eq(verificationTickets.registrationId, registrations.id),
				eq(verificationTickets.generation, key.generation),
			),
		)
		.where(eq(registrations.id, key.registrationId))
		.get();
	if (!row || row.generation !== key.generation || row.expiresAt === null) return "SUPERSEDED";
	if (row.spentAt !== null || row.status === "verified") return "ALREADY_CONFIRMED";
	if (row.status === "expired" || row.expiresAt <= now) return "EXPIRED";
	return "open";
}

/** At the window's end: a registration still pending at this generation becomes expired. */
export async function expireRegistration(db: Db, input: { registrationId: string; generation: number; now: number }): Promise<boolean> {
	const expired = await db
		.update(registrations)
		.set({ status: "expired", updatedAt: input.now })
		.where(and(eq(registrations.id, input.registrationId), eq(registrations.generation, input.generation), eq(registrations.status, "pending")))
		.returning({ id: registrations.id });
	return expired.length === 1;
}

/** A registration with what the registrant's pages and mails show, and its current ticket's expiry. */
export type RegistrantRecord = {
	registrationId: string;
	idNo: string;
	generation: number;
	status: RegistrationStatus;
	unitCode: string;
	email: string;
	name: string | null;
	birthDate: string | null;
	unitName: string | null;
	/** Expiry of the current generation's ticket; null while no window has been opened for it. */
	expiresAt: number | null;
};

/** The current generation's ticket, joined to read its expiry (aliased: a ticket look-up joins the table twice). */
const current = alias(verificationTickets, "c");

const registrantColumns = {
	registrationId: registrations.id,
	idNo: registrations.idNo,
	generation: registrations.generation,
	status: registrations.status,
	unitCode: registrations.unitCode,
	email: registrations.email,
	name: sql<string | null>`coalesce(${people.name}, ${roster.name})`,
	birthDate: people.birthDate,
	unitName: units.name,
	expiresAt: current.expiresAt,
};

/** A ticket (by hash) with its registration as it is now. */
export async function ticketRecord(
	db: Db,
	hash: string,
): Promise<(RegistrantRecord & { ticketGeneration: number; ticketExpiresAt: number; spentAt: number | null }) | null> {
	const row = await db
		.select({
			...registrantColumns,
			ticketGeneration: verificationTickets.generation,
			ticketExpiresAt: verificationTickets.expiresAt,
			spentAt: verificationTickets.spentAt,
		})
		.from(verificationTickets)
		.innerJoin(registrations, eq(registrations.id, verificationTickets.registrationId))
		.leftJoin(people, eq(people.idNo, registrations.idNo))
		.leftJoin(roster, and(eq(roster.unitCode, registrations.unitCode), eq(roster.idNo, registrations.idNo)))
		.leftJoin(units, eq(units.code, registrations.unitCode))
		.leftJoin(current, and(eq(current.registrationId, registrations.id), eq(current.generation, registrations.generation)))
		.where(eq(verificationTickets.ticketHash, hash))
		.get();
	return row ?? null;
}

/** A person's registration, if they have one (one per person). */
export async function registrantRecord(db: Db, idNo: string): Promise<RegistrantRecord | null> {
	const row = await db
		.select(registrantColumns)
		.from(registrations)
		.leftJoin(people, eq(people.idNo, registrations.idNo))
		.leftJoin(roster, and(eq(roster.unitCode, registrations.unitCode), eq(roster.idNo, registrations.idNo)))
		.leftJoin(units, eq(units.code, registrations.unitCode))
		.leftJoin(current, and(eq(current.registrationId, registrations.id), eq(current.generation, registrations.generation)))
		.where(eq(registrations.idNo, idNo))
		.get();
	return row ?? null;
}

/** 重寄認證信 requests of a person: how many since `dayStart`, and the latest (looked for since `cooldownStart` too). */
export async function resendHistory(db: Db, idNo: string, dayStart: number, cooldownStart: number): Promise<{ today: number; last: number | null }> {
	const row = await db
		.select({ today: sql<number>`coalesce(sum(${resendRequests.at} >= ${dayStart}), 0)`, last: max(resendRequests.at) })
		.from(resendRequests)
		.where(and(eq(resendRequests.idNo, idNo), gte(resendRequests.at, Math.min(dayStart, cooldownStart))))
		.get();
	return { today: row?.today ?? 0, last: row?.last ?? null };
}
