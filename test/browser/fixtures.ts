// Node-side fixtures for the browser tests: batch files as a clerk's Excel writes them, and the demo
// people to put in them. test/fixtures/index.ts imports cloudflare:* (it runs in workerd), so the bytes
// it shares with these tests are copied here rather than imported.
import { buildDemoData, type DemoDataSet } from "../../scripts/demo-data.ts";
import { formatRocDate, taipeiToday } from "../../workers/domain/roc-date.ts";

/**
 * The seed's header row as Excel "CSV (逗號分隔)" saves it on zh-TW Windows: cp950 (Big5) bytes of
 * `身分證號,電子郵件,行動電話,聯絡電話(區碼以-隔開,分機以#隔開),<第一列請勿上傳` + CRLF — the column-E note
 * included. The same hex as BIG5_HEADER_ROW in test/fixtures/index.ts.
 */
export const BIG5_HEADER_ROW = Buffer.from(
	"a8ada4c0c3d2b8b92cb971a46cb66ca5f32ca6e6b0cab971b8dc2cc170b5b8b971b8dc28b0cfbd58a5482db96ab67d2ca4c0bef7a54823b96ab67d292c3cb2c4a440a643bdd0a4c5a457b6c70d0a",
	"hex",
);

let demo: DemoDataSet | undefined;

/** The data set the runner seeded into the portal's D1 (scripts/demo-data.ts, default seed). */
export function demoData(): DemoDataSet {
	demo ??= buildDemoData();
	return demo;
}

export type StaffRole = "clerk" | "manager";

export type DemoStaffMember = { unitCode: string; unitName: string; role: StaffRole; idNo: string; name: string; email: string };

/** The `which`-th (1-based) current staff member of `role`, in the unit (default: the first unit). */
export function demoStaff(role: StaffRole, unitCode?: string, which = 1): DemoStaffMember {
	const data = demoData();
	const unit = unitCode === undefined ? data.units[0] : data.units.find((u) => u.code === unitCode);
	if (!unit) throw new Error(`no demo unit ${unitCode ?? "(first)"}`);
	const staff = data.staff.filter((s) => s.unitCode === unit.code && s.role === role && s.revokedAt == null)[which - 1];
	const person = data.people.find((p) => p.idNo === staff?.idNo);
	if (!staff || !person) throw new Error(`demo unit ${unit.code} has no ${role} #${which}`);
	return { unitCode: unit.code, unitName: unit.name, role, idNo: staff.idNo, name: person.name, email: staff.email };
}

function currentlyInsured(unitCode: string): Set<string> {
	return new Set(demoData().roster.filter((r) => r.unitCode === unitCode && r.withdrawnOn == null).map((r) => r.idNo));
}

/**
 * `count` currently insured members (在保保險對象) of the unit who are not staff anywhere, starting at
 * `offset` in roster order, so that each test can take people no other test registers.
 */
export function insuredMembers(unitCode: string, count: number, offset: number): string[] {
	const staff = new Set(demoData().staff.map((s) => s.idNo));
	const ids = [...currentlyInsured(unitCode)].filter((id) => !staff.has(id)).slice(offset, offset + count);
	if (ids.length < count) throw new Error(`demo unit ${unitCode} has fewer than ${offset + count} insured members`);
	return ids;
}

/** Someone insured elsewhere but never in `unitCode`: the seed's 非該單位在保險對象. */
export function outsiderOf(unitCode: string, offset = 0): string {
	const data = demoData();
	const everInUnit = new Set(data.roster.filter((r) => r.unitCode === unitCode).map((r) => r.idNo));
	const others = data.roster.filter((r) => r.unitCode !== unitCode && r.withdrawnOn == null && !everInUnit.has(r.idNo));
	const outsider = others[offset];
	if (!outsider) throw new Error(`no demo person outside ${unitCode}`);
	return outsider.idNo;
}

/** `<unit code><ROC yyyMMdd of today in Taipei>.csv`, the seed's file name (e.g. 1100010001050801.csv). */
export function batchFileName(unitCode: string, daysFromToday = 0): string {
	const today = taipeiToday(Date.now() + daysFromToday * 86_400_000);
	return `${unitCode}${formatRocDate(today)}.csv`;
}

export type BatchRow = { idNo: string; email: string; mobile: string; phone?: string };

/**
 * A batch file as Excel saves it on zh-TW Windows: the Big5 header row first (users upload it despite
 * the note), then one CRLF line per person with the empty fifth column Excel keeps (`…,`).
 */
export function excelBig5Csv(rows: readonly BatchRow[]): Buffer {
	const lines = rows.map((r) => `${r.idNo},${r.email},${r.mobile},${r.phone ?? ""},\r\n`).join("");
	return Buffer.concat([BIG5_HEADER_ROW, Buffer.from(lines, "ascii")]);
}
