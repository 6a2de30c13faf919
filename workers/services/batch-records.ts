// 健保卡註冊申請上傳紀錄查詢 (SPEC §5): who may see which upload, the records query and its filters.
// Seed: 紀錄檔查詢，若非單位管理者僅能看承辦人自己上傳資料，若為單位管理者可以查看單位全部資料。
import { and, count, desc, eq, gte, inArray, lte, or, sql, type SQL } from "drizzle-orm";
import { batches, registrations, verificationHandoffs, verificationTickets, type RegistrationStatus } from "../../schema/d1.ts";
import {
	addMonths,
	compareDates,
	formatRocDate,
	parseRocDate,
	taipeiDayEndMs,
	taipeiDayStartMs,
	taipeiToday,
	type CalendarDate,
} from "../domain/roc-date.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";

export const PAGE_SIZE = 10;
/** 近3個月: records (and their logs) are kept and searchable for 3 months (SPEC §5, §10). */
export const SEARCH_MONTHS_BACK = 3;
/** The default 上傳日期 range: the last month up to today. */
export const DEFAULT_MONTHS_BACK = 1;

export const RECORD_STATUS_FILTERS = ["queued", "importing", "done", "failed", "all"] as const;
/** 處理狀態: the seed's 已上傳,等待入檔 / 入檔完畢 / 全部, and SPEC §3's 入檔中 and 入檔失敗 (each its own). */
export type RecordStatusFilter = (typeof RECORD_STATUS_FILTERS)[number];

export type RecordsQuery = {
	/** One of the person's units; undefined for all of them. */
	unitCode?: string;
	from: CalendarDate;
	to: CalendarDate;
	status: RecordStatusFilter;
	page: number;
};

type Batch = typeof batches.$inferSelect;

/**
 * Per upload, its registrants by where their verification stands (SPEC §5: beyond the seed); `moved`:
 * those a newer upload of the unit registered again (已轉至較新上傳), who count under that one.
 */
export type RegistrantCounts = Record<RegistrationStatus | "moved", number>;

const NO_REGISTRANTS: RegistrantCounts = { pending: 0, verified: 0, expired: 0, moved: 0 };

/** What the records table shows of an upload: no uploader ID, no contact e-mail. */
export type BatchRecord = Pick<
	Batch,
	| "id"
	| "unitCode"
	| "fileName"
	| "contactName"
	| "uploadedAt"
	| "status"
	| "totalRows"
	| "rowsDone"
	| "successCount"
	| "failureCount"
	| "failureMessage"
	| "uploaderName"
> & { registrants: RegistrantCounts };

/**
 * The visibility rule as a WHERE condition: a manager of unit U sees every batch of U; a clerk sees
 * only the batches they uploaded themself, and only in units they act for now (a revoked clerk sees
 * nothing more); nobody sees another unit's. A person with no units sees nothing.
 */
export function visibleBatchFilter(person: SignedInPerson): SQL {
	const managed = person.units.filter((u) => u.role === "manager").map((u) => u.code);
	const clerked = person.units.filter((u) => u.role === "clerk").map((u) => u.code);
	const conditions: SQL[] = [];
	if (managed.length > 0) conditions.push(inArray(batches.unitCode, managed));
	if (clerked.length > 0) {
		const own = and(inArray(batches.unitCode, clerked), eq(batches.uploaderIdNo, person.idNo));
		if (own) conditions.push(own);
	}
	return or(...conditions) ?? sql`0`;
}

function statusCondition(status: RecordStatusFilter): SQL | undefined {
	switch (status) {
		case "queued":
		case "importing":
		case "done":
		case "failed":
			return eq(batches.status, status);
		case "all":
			return undefined;
		default:
			return assertNever(status);
	}
}

function assertNever(value: never): never {
	throw new Error(`Unexpected value: ${String(value)}`);
}

/** One page of the records the person may see, newest upload first. A page past the end shows the last. */
export async function listBatches(
	db: Db,
	person: SignedInPerson,
	query: RecordsQuery,
	nowMs: number,
): Promise<{ total: number; page: number; pages: number; rows: BatchRecord[] }> {
	const today = taipeiToday(nowMs);
	const earliest = addMonths(today, -SEARCH_MONTHS_BACK);
	const from = compareDates(query.from, earliest) < 0 ? earliest : query.from;
	const where = and(
		visibleBatchFilter(person),
		query.unitCode === undefined ? undefined : eq(batches.unitCode, query.unitCode),
		gte(batches.uploadedAt, taipeiDayStartMs(from)),
		lte(batches.uploadedAt, taipeiDayEndMs(query.to)),
		statusCondition(query.status),
	);
	const total = (await db.select({ n: count() }).from(batches).where(where).get())?.n ?? 0;
	const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
	const page = Math.min(Math.max(1, Math.trunc(query.page) || 1), pages);
	const rows = await db
		.select({
			id: batches.id,
			unitCode: batches.unitCode,
			fileName: batches.fileName,
			contactName: batches.contactName,
			uploadedAt: batches.uploadedAt,
			status: batches.status,
			totalRows: batches.totalRows,
			rowsDone: batches.rowsDone,
			successCount: batches.successCount,
			failureCount: batches.failureCount,
			failureMessage: batches.failureMessage,
			uploaderName: batches.uploaderName,
		})
		.from(batches)
		.where(where)
		.orderBy(desc(batches.uploadedAt), desc(batches.id))
		.limit(PAGE_SIZE)
		.offset((page - 1) * PAGE_SIZE)
		.all();
	const counts = await registrantCounts(db, rows.map((r) => r.id), nowMs);
	return { total, page, pages, rows: rows.map((r) => ({ ...r, registrants: counts.get(r.id) ?? { ...NO_REGISTRANTS } })) };
}

/**
 * The registrants of each batch (its verification hand-offs) by their registration's status now, in one
 * query for a page of batches (PAGE_SIZE ids: well under D1's 100 bound parameters). A registrant counts
 * under the upload that issued their current mail — the registration's own batch; an older upload of the
 * same person counts them as moved (已轉至較新上傳), so a unit's 7 pending people never read as 21. A
 * registration still pending whose current ticket has run out counts as expired, as 重寄認證信 shows it,
 * before its window's alarm has marked it.
 */
async function registrantCounts(db: Db, batchIds: readonly string[], nowMs: number): Promise<Map<string, RegistrantCounts>> {
	const out = new Map<string, RegistrantCounts>();
	if (batchIds.length === 0) return out;
	const status = sql<RegistrationStatus | "moved">`CASE WHEN ${registrations.batchId} IS NOT ${verificationHandoffs.batchId} THEN 'moved'
		WHEN ${registrations.status} = 'pending' AND ${verificationTickets.expiresAt} <= ${nowMs} THEN 'expired' ELSE ${registrations.status} END`;
	const rows = await db
		.select({ batchId: verificationHandoffs.batchId, status, n: count() })
		.from(verificationHandoffs)
		.innerJoin(registrations, eq(registrations.id, verificationHandoffs.registrationId))
		.leftJoin(verificationTickets, and(eq(verificationTickets.registrationId, registrations.id), eq(verificationTickets.generation, registrations.generation)))
		.where(inArray(verificationHandoffs.batchId, [...batchIds]))
		.groupBy(verificationHandoffs.batchId, status)
		.all();
	for (const r of rows) {
		const counts = out.get(r.batchId) ?? { ...NO_REGISTRANTS };
		counts[r.status] += r.n;
		out.set(r.batchId, counts);
	}
	return out;
}

/**
 * The batch if the person may see it, else NOT_FOUND — the same answer whether the batch does not
 * exist or belongs to someone else, so an id reveals nothing.
 */
export async function getVisibleBatch(db: Db, person: SignedInPerson, batchId: string): Promise<Batch> {
	const batch = await db
		.select()
		.from(batches)
		.where(and(eq(batches.id, batchId), visibleBatchFilter(person)))
		.get();
	if (!batch) throw new AppError("NOT_FOUND");
	return batch;
}

/** The form's fields as typed (ROC yyyMMdd text), echoed back into the form. */
export type RecordsForm = { unitCode: string; from: string; to: string; status: RecordStatusFilter; page: number };

/** The filter fields a message can be about (the page marks them invalid and points them at it). */
export type RecordsField = "unitCode" | "from" | "to";

export type RecordsQueryResult =
	| { ok: true; form: RecordsForm; query: RecordsQuery }
	| { ok: false; form: RecordsForm; message: string; fields: RecordsField[] };

export type RawRecordsQuery = { unitCode?: string; from?: string; to?: string; status?: RecordStatusFilter; page?: string };

const DATE_FORMAT_HINT = "請輸入民國年月日7碼，如1050901。";

/** Full-width digits typed with a zh-TW IME read as their ASCII twins; blanks are trimmed. */
function normalizeField(value: string | undefined): string {
	return (value ?? "").normalize("NFKC").trim();
}

/**
 * The records filters (pure): default 上傳日期 from = today − 1 month, to = today (Taipei); from at
 * most 3 months back (近3個月), from ≤ to ≤ today; dates as ROC yyyMMdd. A blank date takes its
 * default. Wrong input gives a zh-TW message for the page, never an error page. `unitCode` must be one
 * of `units` (blank = all of them).
 */
export function parseRecordsQuery(raw: RawRecordsQuery, units: readonly { code: string }[], nowMs: number): RecordsQueryResult {
	const today = taipeiToday(nowMs);
	const earliest = addMonths(today, -SEARCH_MONTHS_BACK);
	const fromText = normalizeField(raw.from) || formatRocDate(addMonths(today, -DEFAULT_MONTHS_BACK));
	const toText = normalizeField(raw.to) || formatRocDate(today);
	const pageNumber = Number(normalizeField(raw.page) || "1");
	const form: RecordsForm = {
		unitCode: normalizeField(raw.unitCode) || (units.length === 1 ? (units[0]?.code ?? "") : ""),
		from: fromText,
		to: toText,
		status: raw.status ?? "all",
		page: Number.isSafeInteger(pageNumber) && pageNumber >= 1 ? pageNumber : 1,
	};
	const fail = (message: string, ...fields: RecordsField[]): RecordsQueryResult => ({ ok: false, form, message, fields });

	if (form.unitCode && !units.some((u) => u.code === form.unitCode)) return fail("投保單位代號錯誤，請由選單選擇。", "unitCode");
	const from = parseRocDate(fromText);
	if (!from) return fail(`上傳日期起日格式錯誤，${DATE_FORMAT_HINT}`, "from");
	const to = parseRocDate(toText);
	if (!to) return fail(`上傳日期迄日格式錯誤，${DATE_FORMAT_HINT}`, "to");
	if (compareDates(from, earliest) < 0) return fail(`上傳日期起日不可早於近3個月(${formatRocDate(earliest)})。`, "from");
	if (compareDates(to, today) > 0) return fail("上傳日期迄日不可晚於今天。", "to");
	if (compareDates(from, to) > 0) return fail("上傳日期起日不可晚於迄日。", "from", "to");
	return {
		ok: true,
		form,
		query: { ...(form.unitCode ? { unitCode: form.unitCode } : {}), from, to, status: form.status, page: form.page },
	};
}
