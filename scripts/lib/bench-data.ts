// Synthetic data for the bench: a large roster of 在保保險對象 (currently insured members) for one unit,
// and a batch file as a clerk would upload it — mostly that unit's members, with the few percent of
// mistakes real files carry. Deterministic (seeded), and every expected row outcome is counted, so the
// bench can check the pipeline's result exactly.

import { renderDemoSql, Rng, type DemoDataSet } from "../demo-data.ts";
import { checkDigitFor } from "../../workers/domain/national-id.ts";
import { formatRocDate, taipeiToday } from "../../workers/domain/roc-date.ts";

export type Member = { idNo: string; name: string; enrolledOn: string };

const SURNAMES = Array.from("陳林黃張李王吳劉蔡楊許鄭謝郭洪曾邱廖賴周徐蘇葉莊呂江何蕭羅高潘簡朱鍾彭游詹胡施沈余趙盧梁顏柯孫魏翁戴范宋方");
const GIVEN = "家豪 志明 俊傑 建宏 淑芬 美玲 雅婷 怡君 冠宇 宗翰 欣怡 詩涵 承翰 佩君 柏翰 宜蓁 彥廷 郁婷 子豪 思妤".split(" ");
const RESIDENT_NAMES = ["NGUYEN VAN HUNG", "TRAN THI HOA", "SITI AMINAH", "BUDI SANTOSO", "MARIA REYES", "SOMCHAI SAETANG"];
const ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO";
const MAIL_DOMAINS = ["gmail.com", "yahoo.com.tw", "hotmail.com", "msa.hinet.net", "shumei.example.tw"];
const DAY_MS = 86_400_000;

/** A new valid ID not in `taken` (added to it): national IDs, and a few new-format resident numbers. */
export function newIdNo(rng: Rng, taken: Set<string>, resident = false): string {
	for (;;) {
		const second = resident ? rng.pick(["8", "9"]) : rng.pick(["1", "2"]);
		const first9 = ID_LETTERS.charAt(rng.int(0, 25)) + second + rng.digits(7);
		const idNo = first9 + checkDigitFor(first9);
		if (!taken.has(idNo)) {
			taken.add(idNo);
			return idNo;
		}
	}
}

/** `count` insured members, enrolled on a past day; their IDs are added to `taken`. */
export function buildRoster(rng: Rng, taken: Set<string>, count: number, todayMs = Date.now()): Member[] {
	const members: Member[] = [];
	const first = Date.UTC(2000, 0, 1) / DAY_MS;
	const last = Math.floor(todayMs / DAY_MS) - 30;
	for (let i = 0; i < count; i++) {
		const resident = rng.chance(0.02);
		members.push({
			idNo: newIdNo(rng, taken, resident),
			name: resident ? rng.pick(RESIDENT_NAMES) : rng.pick(SURNAMES) + rng.pick(GIVEN),
			enrolledOn: new Date(rng.int(first, last) * DAY_MS).toISOString().slice(0, 10),
		});
	}
	return members;
}

/** The operator feed's CSV (header unit_code,id_no,name,enrolled_on,withdrawn_on), in chunks of `perChunk` rows. */
export function rosterCsvChunks(unitCode: string, members: readonly Member[], perChunk: number): string[] {
	const chunks: string[] = [];
	for (let i = 0; i < members.length; i += perChunk) {
		const lines = ["unit_code,id_no,name,enrolled_on,withdrawn_on"];
		for (const m of members.slice(i, i + perChunk)) lines.push(`${unitCode},${m.idNo},${m.name},${m.enrolledOn},`);
		chunks.push(`${lines.join("\n")}\n`);
	}
	return chunks;
}

/** The same roster as bulk INSERT statements (people + roster), rendered by the demo seed's SQL writer. */
export function rosterSql(unitCode: string, members: readonly Member[], nowMs = Date.now()): string {
	const data: DemoDataSet = {
		asOf: new Date(nowMs).toISOString().slice(0, 10),
		units: [],
		staff: [],
		cards: [],
		// The feed knows no birth date either and stores "" (workers/sql/roster.ts).
		people: members.map((m) => ({ idNo: m.idNo, name: m.name, birthDate: "", sex: "M", email: null })),
		roster: members.map((m) => ({ unitCode, idNo: m.idNo, name: m.name, enrolledOn: m.enrolledOn, withdrawnOn: null, updatedAt: nowMs })),
	};
	return renderDemoSql(data).join("\n");
}

/** Outcome codes as the pipeline reports them (workers/domain/reasons.ts). */
export type ExpectedCode = "REGISTERED" | "NOT_INSURED" | "ID_INVALID" | "EMAIL_INVALID" | "DUPLICATE_IN_FILE";

export type UploadFile = {
	fileName: string;
	bytes: Uint8Array<ArrayBuffer>;
	rows: number;
	expected: { success: number; failed: number; byCode: Record<ExpectedCode, number>; mobileRepaired: number };
};

type RowKind = "good" | "mobileWithoutZero" | "lowerCaseId" | "notInsured" | "badChecksum" | "badEmail" | "duplicate";

/** Shares of each kind of row: a few percent of mistakes, as in files typed up in Excel. */
const ROW_MIX: readonly (readonly [RowKind, number])[] = [
	["good", 0.951],
	["mobileWithoutZero", 0.02], // Excel drops the 0 of 0912…: repaired, still a success
	["lowerCaseId", 0.002], // a123456789: normalised, still a success
	["notInsured", 0.01], // a valid ID that is not on the unit's roster
	["badChecksum", 0.008],
	["badEmail", 0.007],
	["duplicate", 0.005], // an ID already earlier in the file
];

function email(rng: Rng, n: number): string {
	return `u${n.toString(36)}${rng.digits(2)}@${rng.pick(MAIL_DOMAINS)}`;
}

function badEmail(rng: Rng, n: number): string {
	const local = `u${n.toString(36)}`;
	return rng.pick([`${local}.gmail.com`, `${local}@gmail`, `${local}@@yahoo.com.tw`, `${local}@hotmail..com`, `王${local}@gmail.com`]);
}

function landline(rng: Rng): string {
	if (rng.chance(0.6)) return "";
	return rng.pick([`02-2${rng.digits(7)}`, `04-2${rng.digits(7)}`, `07-${rng.int(2, 8)}${rng.digits(6)}`, `02-2${rng.digits(7)}#${rng.digits(3)}`]);
}

/**
 * A batch file of `rows` data rows for `unitCode`, named `<unit code><ROC today>.csv`, as Excel "CSV UTF-8"
 * saves it: BOM, CRLF, the header row the seed's example has. Members are used once each, in order.
 */
export function buildUploadFile(rng: Rng, unitCode: string, members: readonly Member[], taken: Set<string>, rows: number, nowMs = Date.now()): UploadFile {
	const byCode: Record<ExpectedCode, number> = { REGISTERED: 0, NOT_INSURED: 0, ID_INVALID: 0, EMAIL_INVALID: 0, DUPLICATE_IN_FILE: 0 };
	let mobileRepaired = 0;
	const lines = ["身分證號,電子郵件,行動電話,聯絡電話"];
	const inFile: string[] = [];
	let next = 0;
	const member = (): string => {
		const m = members[next++];
		if (!m) throw new Error(`the roster has only ${members.length} members for a ${rows}-row file`);
		return m.idNo;
	};
	for (let n = 0; n < rows; n++) {
		let kind = rng.weighted(ROW_MIX);
		if (kind === "duplicate" && inFile.length === 0) kind = "good";
		const mobile = `09${rng.digits(8)}`;
		let cells: [string, string, string, string];
		switch (kind) {
			case "good":
			case "lowerCaseId":
			case "mobileWithoutZero": {
				const id = member();
				inFile.push(id);
				cells = [kind === "lowerCaseId" ? id.toLowerCase() : id, email(rng, n), kind === "mobileWithoutZero" ? mobile.slice(1) : mobile, landline(rng)];
				byCode.REGISTERED++;
				if (kind === "mobileWithoutZero") mobileRepaired++;
				break;
			}
			case "notInsured":
				cells = [newIdNo(rng, taken), email(rng, n), mobile, landline(rng)];
				byCode.NOT_INSURED++;
				break;
			case "badChecksum": {
				const id = member();
				const wrong = (Number(id.charAt(9)) + rng.int(1, 9)) % 10;
				cells = [id.slice(0, 9) + String(wrong), email(rng, n), mobile, landline(rng)];
				byCode.ID_INVALID++;
				break;
			}
			case "badEmail":
				cells = [member(), badEmail(rng, n), mobile, landline(rng)];
				byCode.EMAIL_INVALID++;
				break;
			case "duplicate":
				cells = [rng.pick(inFile), email(rng, n), mobile, ""];
				byCode.DUPLICATE_IN_FILE++;
				break;
		}
		lines.push(cells.join(","));
	}
	const text = `\uFEFF${lines.join("\r\n")}\r\n`;
	const success = byCode.REGISTERED;
	return {
		fileName: `${unitCode}${formatRocDate(taipeiToday(nowMs))}.csv`,
		bytes: new TextEncoder().encode(text),
		rows,
		expected: { success, failed: rows - success, byCode, mobileRepaired },
	};
}
