// Deterministic demo data for local development (SPEC §11): insured units (投保單位) with a manager and
// two clerks each, the roster of insured members (在保保險對象), and an NHI card with a P-256 key pair for
// every person. One seed gives the same data set byte for byte, card keys included, so the local D1 rows
// and the reader helper's key file (.reader-keys/cards.json) always agree, however often either is
// rebuilt. Demo only: the card keys derive from a public constant and prove nothing outside this machine.

import { createECDH, createHmac } from "node:crypto";
import type { cards, roster, units, unitStaff } from "../schema/d1.ts";
import { checkDigitFor } from "../workers/domain/national-id.ts";
import { formatRocDate } from "../workers/domain/roc-date.ts";

export const DEMO_SEED = 20_160_713; // the seed's log date, 2016/7/13
const DAY_MS = 86_400_000;
// The data set's "today": fixed, so the output never depends on the clock. Every date lies before it.
const AS_OF = day(2026, 11, 1);
const CREATED_AT = AS_OF * DAY_MS;
// Card private keys are HMAC-SHA256(CARD_KEY_SECRET, card number): reproducible, and public on purpose.
const CARD_KEY_SECRET = "nhi-demo-virtual-cards-v1";
const P256_ORDER = BigInt("0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");

type UnitPlan = { code: string; name: string; domain: string; members: number; residentShare: number; founded: number };

const UNIT_PLANS: readonly UnitPlan[] = [
	// The unit the seed's registrant mail names: the big one, for bulk uploads and paging.
	{ code: "110001000", name: "數美科技股份有限公司", domain: "shumei.example.tw", members: 2_400, residentShare: 0.015, founded: day(1998, 3, 2) },
	// 120000000 is the unit code of the seed's file-naming example; construction employs migrant workers.
	{ code: "120000000", name: "禾豐營造有限公司", domain: "hefeng.example.tw", members: 180, residentShare: 0.12, founded: day(2006, 7, 1) },
	// 133397421 is the unit of the seed's example log (1333974211050713.1050713104533.log).
	{ code: "133397421", name: "晴光聯合診所", domain: "qingguang.example.tw", members: 60, residentShare: 0.02, founded: day(2012, 9, 15) },
];

const WITHDRAWN_SHARE = 0.03;
const LOST_CARDS = 6;
const REPLACED_CARDS = 6;

// Surnames repeated roughly by frequency in Taiwan (陳 ≈ 11 %, 林 ≈ 8 %, …).
const SURNAMES = Array.from("陳陳陳陳陳陳林林林林黃黃黃張張張李李李王王王吳吳劉劉蔡蔡楊楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁顏柯孫魏翁戴范宋方");
const GIVEN_NAMES = {
	M: "家豪 志明 俊傑 建宏 俊宏 志豪 志偉 承翰 冠宇 宗翰 彥廷 柏翰 冠廷 家銘 文彬 正雄 國華 明哲 信宏 宇軒 哲瑋 子豪 建志 偉倫 嘉宏 冠霖 承恩 睿哲 宥廷 品睿".split(" "),
	F: "淑芬 美玲 雅婷 怡君 佳蓉 欣怡 淑惠 麗華 雅惠 怡婷 佩君 詩涵 宜蓁 婉婷 思妤 雅雯 惠雯 家瑜 郁婷 筱涵 靜怡 美惠 秀英 淑貞 玉珍 品妍 子涵 宜庭 心怡 佳穎".split(" "),
} as const;
// Holders of a new-format resident number (新式統一證號) are foreigners; the card shows the passport name.
const RESIDENT_NAMES = {
	M: ["NGUYEN VAN HUNG", "TRAN VAN MINH", "LE VAN TUAN", "PHAM DUC ANH", "BUDI SANTOSO", "AGUS SETIAWAN", "JUAN DELA CRUZ", "SOMCHAI SAETANG"],
	F: ["NGUYEN THI LAN", "TRAN THI HOA", "LE THI MAI", "SITI AMINAH", "DEWI LESTARI", "MARIA REYES", "ANA SANTOS", "MALAI SRISUK"],
} as const;
// First letters by household-registration place, weighted roughly by population (A 臺北市, F 新北市, …).
const ID_LETTERS: readonly (readonly [string, number])[] = [
	["A", 14], ["F", 18], ["B", 10], ["E", 9], ["H", 10], ["D", 6], ["R", 3], ["S", 3], ["L", 3], ["N", 5],
	["K", 2], ["P", 3], ["Q", 2], ["G", 2], ["J", 2], ["O", 2], ["T", 3], ["U", 1], ["V", 1], ["I", 1],
	["M", 2], ["C", 2], ["X", 1], ["W", 1],
];

export type Sex = "M" | "F";
export type DemoPerson = { idNo: string; name: string; birthDate: string; sex: Sex; email: string | null };
export type DemoStaff = typeof unitStaff.$inferInsert;
export type DemoRosterEntry = typeof roster.$inferInsert;
export type EcJwk = { kty: "EC"; crv: "P-256"; x: string; y: string; d?: string };
export type DemoCard = Omit<typeof cards.$inferInsert, "publicKey"> & { publicJwk: EcJwk; privateJwk: EcJwk };
export type DemoDataSet = {
	asOf: string;
	units: (typeof units.$inferInsert)[];
	people: DemoPerson[];
	staff: DemoStaff[];
	roster: DemoRosterEntry[];
	cards: DemoCard[];
};

/** mulberry32: a tiny seeded PRNG; the data set must not depend on Math.random. */
export class Rng {
	#state: number;
	constructor(seed: number) {
		this.#state = seed >>> 0;
	}
	next(): number {
		this.#state = (this.#state + 0x6d2b79f5) >>> 0;
		let t = this.#state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
	}
	/** An integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}
	chance(p: number): boolean {
		return this.next() < p;
	}
	pick<T>(items: readonly T[]): T {
		return at(items, this.int(0, items.length - 1));
	}
	weighted<T>(items: readonly (readonly [T, number])[]): T {
		let r = this.next() * items.reduce((sum, [, w]) => sum + w, 0);
		for (const [item, w] of items) {
			r -= w;
			if (r < 0) return item;
		}
		return at(items, items.length - 1)[0];
	}
	digits(n: number): string {
		let s = "";
		for (let i = 0; i < n; i++) s += String(this.int(0, 9));
		return s;
	}
}

function at<T>(items: readonly T[], i: number): T {
	const item = items[i];
	if (item === undefined) throw new RangeError(`no item at ${i}`);
	return item;
}

function day(y: number, m: number, d: number): number {
	return Date.UTC(y, m - 1, d) / DAY_MS;
}

function iso(dayNo: number): string {
	return new Date(dayNo * DAY_MS).toISOString().slice(0, 10);
}

function addYears(dayNo: number, years: number): number {
	const t = new Date(dayNo * DAY_MS);
	return day(t.getUTCFullYear() + years, t.getUTCMonth() + 1, Math.min(t.getUTCDate(), 28));
}

/** "2016-07-13" → "1050713", the card's and the seed's ROC date form. */
export function isoToRoc(isoDate: string): string {
	const [y, m, d] = isoDate.split("-").map(Number);
	return formatRocDate({ year: y ?? 0, month: m ?? 0, day: d ?? 0 });
}

// 統一編號 (BAN): weights 1,2,1,2,1,2,4,1, add the digits of each product, sum % 10 == 0; when the 7th digit
// is 7 its product 28 may count as 1 or 0. (Since 2023 the MOF accepts sum % 5 == 0; % 10 stays valid.)
const BAN_WEIGHTS = [1, 2, 1, 2, 1, 2, 4, 1];

export function isValidBan(ban: string): boolean {
	if (!/^\d{8}$/.test(ban)) return false;
	let sum = 0;
	for (let i = 0; i < 8; i++) {
		const p = Number(ban.charAt(i)) * at(BAN_WEIGHTS, i);
		sum += Math.floor(p / 10) + (p % 10);
	}
	return sum % 10 === 0 || (ban.charAt(6) === "7" && (sum + 1) % 10 === 0);
}

function newBan(rng: Rng): string {
	for (;;) {
		const first7 = String(rng.int(1, 9)) + rng.digits(6);
		for (let d = 0; d <= 9; d++) if (isValidBan(first7 + d)) return first7 + d;
	}
}

function newIdNo(rng: Rng, taken: Set<string>, resident: boolean, sex: Sex): string {
	// Second character: national ID 1 male / 2 female; new resident number 8 male / 9 female.
	const second = resident ? (sex === "M" ? "8" : "9") : sex === "M" ? "1" : "2";
	for (;;) {
		const first9 = rng.weighted(ID_LETTERS) + second + rng.digits(7);
		const idNo = first9 + checkDigitFor(first9);
		if (!taken.has(idNo)) {
			taken.add(idNo);
			return idNo;
		}
	}
}

function newPerson(rng: Rng, taken: Set<string>, resident: boolean): DemoPerson & { born: number } {
	const sex: Sex = rng.chance(0.5) ? "M" : "F";
	const born = rng.int(day(1960, 1, 1), day(2004, 12, 31));
	const name = resident ? rng.pick(RESIDENT_NAMES[sex]) : rng.pick(SURNAMES) + rng.pick(GIVEN_NAMES[sex]);
	return { idNo: newIdNo(rng, taken, resident, sex), name, birthDate: iso(born), sex, email: null, born };
}

function base64url(buf: Uint8Array): string {
	return Buffer.from(buf).toString("base64url");
}

/** The card's P-256 key pair, derived from its number (see CARD_KEY_SECRET). */
export function cardKeyPair(cardNo: string): { publicJwk: EcJwk; privateJwk: EcJwk } {
	for (let counter = 0; ; counter++) {
		const d = createHmac("sha256", CARD_KEY_SECRET).update(`${cardNo}/${counter}`).digest();
		const scalar = BigInt(`0x${d.toString("hex")}`);
		if (scalar === 0n || scalar >= P256_ORDER) continue;
		const ecdh = createECDH("prime256v1");
		ecdh.setPrivateKey(d);
		const point = ecdh.getPublicKey(); // 0x04 ‖ x ‖ y
		const publicJwk: EcJwk = { kty: "EC", crv: "P-256", x: base64url(point.subarray(1, 33)), y: base64url(point.subarray(33, 65)) };
		return { publicJwk, privateJwk: { ...publicJwk, d: base64url(d) } };
	}
}

/** The whole demo data set; the same `seed` always gives the same data. */
export function buildDemoData(seed: number = DEMO_SEED): DemoDataSet {
	const rng = new Rng(seed);
	const taken = new Set<string>();
	const data: DemoDataSet = { asOf: iso(AS_OF), units: [], people: [], staff: [], roster: [], cards: [] };
	const born = new Map<string, number>();
	const rosterByUnit: DemoRosterEntry[][] = [];

	for (const plan of UNIT_PLANS) {
		data.units.push({ code: plan.code, name: plan.name, ban: newBan(rng), createdAt: CREATED_AT });
		const members: DemoRosterEntry[] = [];
		for (let i = 0; i < plan.members; i++) {
			const { born: bornDay, ...person } = newPerson(rng, taken, rng.chance(plan.residentShare));
			data.people.push(person);
			born.set(person.idNo, bornDay);
			const enrolled = rng.int(Math.max(addYears(bornDay, 18), plan.founded), AS_OF - 7);
			const withdrawn = enrolled < AS_OF - 60 && rng.chance(WITHDRAWN_SHARE) ? rng.int(enrolled + 30, AS_OF - 1) : null;
			members.push({
				unitCode: plan.code,
				idNo: person.idNo,
				name: person.name,
				enrolledOn: iso(enrolled),
				withdrawnOn: withdrawn === null ? null : iso(withdrawn),
				updatedAt: CREATED_AT,
			});
		}
		rosterByUnit.push(members);
		data.roster.push(...members);

		// Staff are insured members themselves: current national-ID holders, the manager born before 1986.
		const current = members.filter((m) => m.withdrawnOn === null && /^[A-Z][12]/.test(m.idNo));
		const chosen = new Set<DemoRosterEntry>();
		for (const [i, role] of (["manager", "clerk", "clerk"] as const).entries()) {
			const eligible = current.filter((m) => !chosen.has(m) && (role === "clerk" || (born.get(m.idNo) ?? 0) < day(1986, 1, 1)));
			const member = rng.pick(eligible);
			chosen.add(member);
			const email = `${i === 0 ? "manager" : `clerk${i}`}@${plan.domain}`;
			const person = data.people.find((p) => p.idNo === member.idNo);
			if (person) person.email = email;
			data.staff.push({ unitCode: plan.code, idNo: member.idNo, role, email, authorizedBy: null, authorizedAt: CREATED_AT, revokedAt: null });
		}
	}

	const staffIds = new Set(data.staff.map((s) => s.idNo));
	const pickMembers = (unit: number, n: number): DemoRosterEntry[] =>
		at(rosterByUnit, unit)
			.filter((m) => m.withdrawnOn === null && !staffIds.has(m.idNo))
			.slice(10, 10 + n);
	// A few people insured in two units at once (a second, part-time job at the clinic).
	for (const m of pickMembers(0, 3)) {
		data.roster.push({ ...m, unitCode: at(UNIT_PLANS, 2).code, enrolledOn: iso(rng.int(day(2020, 1, 1), AS_OF - 30)) });
	}
	// Two who moved: withdrawn from the construction company, enrolled at 數美科技 the next day.
	for (const m of pickMembers(1, 2)) {
		const left = rng.int(day(2024, 1, 1), AS_OF - 30);
		m.withdrawnOn = iso(left);
		data.roster.push({ ...m, unitCode: at(UNIT_PLANS, 0).code, enrolledOn: iso(left + 1), withdrawnOn: null });
	}

	// Cards: one active card each; a handful of people also hold an older lost or replaced card. Clerk 2 of
	// 數美科技 is one of them, so a sign-in with a no-longer-valid card can be tried with a staff card.
	const cardNos = new Set<string>();
	const newCardNo = (): string => {
		for (;;) {
			const cardNo = `0000${rng.int(10_000_000, 99_999_999)}`; // 12 digits, printed on the card
			if (!cardNos.has(cardNo)) {
				cardNos.add(cardNo);
				return cardNo;
			}
		}
	};
	const others = data.people.filter((p) => !staffIds.has(p.idNo));
	const oldCards = new Map<string, "lost" | "replaced">([[at(data.staff, 2).idNo, "lost"]]);
	while (oldCards.size < 1 + LOST_CARDS + REPLACED_CARDS) {
		oldCards.set(rng.pick(others).idNo, oldCards.size <= LOST_CARDS ? "lost" : "replaced");
	}
	for (const person of data.people) {
		// Photo NHI cards exist since 2004; residents got theirs after arriving.
		const earliest = Math.max((born.get(person.idNo) ?? AS_OF) + 30, /^[A-Z][89]/.test(person.idNo) ? day(2015, 1, 1) : day(2004, 1, 1));
		const old = oldCards.get(person.idNo);
		let issued = rng.int(earliest, AS_OF - 30);
		if (old) {
			const oldIssued = rng.int(earliest, AS_OF - 400);
			const cardNo = newCardNo();
			data.cards.push({ cardNo, idNo: person.idNo, issuedOn: iso(oldIssued), status: old, ...cardKeyPair(cardNo) });
			issued = rng.int(oldIssued + 30, AS_OF - 10);
		}
		const cardNo = newCardNo();
		data.cards.push({ cardNo, idNo: person.idNo, issuedOn: iso(issued), status: "active", ...cardKeyPair(cardNo) });
	}
	return data;
}

type SqlValue = string | number | null;

/**
 * Bytes per INSERT statement: D1 accepts SQL statements of at most 100,000 bytes; half of it leaves room.
 * Rows per statement: below SQLite's SQLITE_MAX_COMPOUND_SELECT (500), which older SQLite applied to
 * multi-row VALUES lists.
 */
const MAX_STATEMENT_BYTES = 50_000;
const MAX_ROWS_PER_STATEMENT = 250;

function sqlValue(v: SqlValue): string {
	if (v === null) return "NULL";
	if (typeof v === "number") return String(v);
	return `'${v.replaceAll("'", "''")}'`;
}

function insertStatements(table: string, columns: readonly string[], rows: readonly SqlValue[][]): string[] {
	const head = `INSERT INTO ${table} (${columns.join(", ")}) VALUES\n`;
	const statements: string[] = [];
	let tuples: string[] = [];
	let bytes = Buffer.byteLength(head);
	for (const row of rows) {
		const tuple = `(${row.map(sqlValue).join(", ")})`;
		const size = Buffer.byteLength(tuple) + 2;
		if (tuples.length > 0 && (bytes + size > MAX_STATEMENT_BYTES || tuples.length >= MAX_ROWS_PER_STATEMENT)) {
			statements.push(head + tuples.join(",\n") + ";");
			tuples = [];
			bytes = Buffer.byteLength(head);
		}
		tuples.push(tuple);
		bytes += size;
	}
	if (tuples.length > 0) statements.push(head + tuples.join(",\n") + ";");
	return statements;
}

/** The data set as multi-row INSERT statements, in foreign-key order, each far below D1's limits. */
export function renderDemoSql(data: DemoDataSet): string[] {
	return [
		...insertStatements("units", ["code", "name", "ban", "created_at"], data.units.map((u) => [u.code, u.name, u.ban, u.createdAt])),
		...insertStatements("people", ["id_no", "name", "birth_date", "email", "created_at"], data.people.map((p) => [p.idNo, p.name, p.birthDate, p.email, CREATED_AT])),
		...insertStatements(
			"unit_staff",
			["unit_code", "id_no", "role", "email", "authorized_by", "authorized_at", "revoked_at"],
			data.staff.map((s) => [s.unitCode, s.idNo, s.role, s.email, s.authorizedBy ?? null, s.authorizedAt, s.revokedAt ?? null]),
		),
		...insertStatements(
			"roster",
			["unit_code", "id_no", "name", "enrolled_on", "withdrawn_on", "updated_at"],
			data.roster.map((r) => [r.unitCode, r.idNo, r.name, r.enrolledOn, r.withdrawnOn ?? null, r.updatedAt]),
		),
		...insertStatements(
			"cards",
			["card_no", "id_no", "issued_on", "status", "public_key"],
			data.cards.map((c) => [c.cardNo, c.idNo, c.issuedOn, c.status, JSON.stringify(c.publicJwk)]),
		),
	];
}

/** One virtual card as the reader helper's virtual backend sees it: the 57-byte basic data plus the key. */
export type ReaderCard = {
	cardNo: string;
	name: string;
	idNo: string;
	birthDateRoc: string;
	sex: Sex;
	issuedOnRoc: string;
	status: DemoCard["status"];
	publicKey: EcJwk;
	privateKey: EcJwk;
};

/** The content of .reader-keys/cards.json: every card (lost and replaced ones too), keyed by card number. */
export function readerKeyFile(data: DemoDataSet): Record<string, ReaderCard> {
	const people = new Map(data.people.map((p) => [p.idNo, p]));
	const file: Record<string, ReaderCard> = {};
	for (const card of data.cards) {
		const person = people.get(card.idNo);
		if (!person) throw new Error(`card ${card.cardNo} has no holder`);
		file[card.cardNo] = {
			cardNo: card.cardNo,
			name: person.name,
			idNo: person.idNo,
			birthDateRoc: isoToRoc(person.birthDate),
			sex: person.sex,
			issuedOnRoc: isoToRoc(card.issuedOn),
			status: card.status,
			publicKey: card.publicJwk,
			privateKey: card.privateJwk,
		};
	}
	return file;
}
