// npm run seed (SPEC §11): applies the D1 migrations to the local database, fills it with the demo data
// set (scripts/demo-data.ts) when it has no units yet, and writes the virtual cards' keys for the reader
// helper. A database that already has units is left alone: seeding never clobbers local work. Either way,
// demo staff who have no registration or 註冊密碼 yet get one (scripts/demo-credentials.ts), so they can
// sign in with their virtual NHI card and DEMO_PASSWORD.

import { spawnSync } from "node:child_process";
import { createPrivateKey, createPublicKey, sign, verify } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { maskIdNo } from "../workers/domain/mask.ts";
import { isValidIdNo } from "../workers/domain/national-id.ts";
import { DEMO_PASSWORD } from "./demo-credentials.ts";
import { buildDemoData, type DemoDataSet, isValidBan, readerKeyFile, renderDemoSql } from "./demo-data.ts";
import { DEMO_PIN } from "./dev-pki.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** Git-ignored; the reader helper's virtual backend reads it (SPEC §8). */
export const READER_KEYS_FILE = path.join(ROOT, ".reader-keys", "cards.json");

type Row = Record<string, unknown>;

/** Runs wrangler on this Node; stdin is closed so its confirmation prompts take their default (yes). */
function wrangler(args: readonly string[], options: { capture: boolean }): string {
	const result = spawnSync(process.execPath, [WRANGLER, ...args], {
		cwd: ROOT,
		encoding: "utf8",
		stdio: ["ignore", options.capture ? "pipe" : "inherit", "inherit"],
		env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
		maxBuffer: 64 * 1024 * 1024,
	});
	if (result.error) throw result.error;
	if (result.status !== 0) {
		throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (exit ${result.status})${options.capture ? `:\n${result.stdout}` : ""}`);
	}
	return result.stdout ?? "";
}

/** `wrangler d1 execute --json`: one result set per statement. */
function query(sql: string): Row[][] {
	const parsed: unknown = JSON.parse(wrangler(["d1", "execute", "DB", "--local", "--json", "--command", sql], { capture: true }));
	if (!Array.isArray(parsed)) throw new Error("unexpected output of wrangler d1 execute --json");
	return parsed.map((item: unknown) => {
		const results = typeof item === "object" && item !== null && "results" in item ? item.results : null;
		if (!Array.isArray(results)) throw new Error("unexpected output of wrangler d1 execute --json");
		return results.filter((r: unknown): r is Row => typeof r === "object" && r !== null);
	});
}

function text(row: Row | undefined, key: string): string {
	const v = row?.[key];
	return typeof v === "string" || typeof v === "number" ? String(v) : "";
}

/** Refuses to write a data set with a single bad ID, BAN, reference or card key. */
export function verifyDataSet(data: DemoDataSet): void {
	const problems: string[] = [];
	const people = new Set<string>();
	for (const p of data.people) {
		if (!isValidIdNo(p.idNo)) problems.push(`invalid ID ${maskIdNo(p.idNo)}`);
		if (people.has(p.idNo)) problems.push(`duplicate person ${maskIdNo(p.idNo)}`);
		people.add(p.idNo);
	}
	for (const u of data.units) {
		if (!/^\d{9}$/.test(u.code)) problems.push(`unit code ${u.code} is not 9 digits`);
		if (!isValidBan(u.ban)) problems.push(`unit ${u.code}: invalid 統一編號 ${u.ban}`);
	}
	const units = new Set(data.units.map((u) => u.code));
	for (const r of [...data.roster, ...data.staff]) {
		if (!units.has(r.unitCode) || !people.has(r.idNo) || !isValidIdNo(r.idNo)) problems.push(`bad reference ${r.unitCode}/${maskIdNo(r.idNo)}`);
	}
	const insured = new Set(data.roster.filter((r) => r.withdrawnOn === null).map((r) => `${r.unitCode}/${r.idNo}`));
	for (const s of data.staff) if (!insured.has(`${s.unitCode}/${s.idNo}`)) problems.push(`staff ${maskIdNo(s.idNo)} is not insured in ${s.unitCode}`);
	const cardNos = new Set<string>();
	const challenge = Buffer.from("seed self-check");
	for (const c of data.cards) {
		if (!/^\d{12}$/.test(c.cardNo) || cardNos.has(c.cardNo)) problems.push(`bad or duplicate card number ${c.cardNo}`);
		cardNos.add(c.cardNo);
		if (!people.has(c.idNo)) problems.push(`card ${c.cardNo} has no holder`);
		const signature = sign("sha256", challenge, createPrivateKey({ key: c.privateJwk, format: "jwk" }));
		if (!verify("sha256", challenge, createPublicKey({ key: c.publicJwk, format: "jwk" }), signature)) problems.push(`card ${c.cardNo}: key pair mismatch`);
	}
	const withActiveCard = new Set(data.cards.filter((c) => c.status === "active").map((c) => c.idNo));
	for (const p of people) if (!withActiveCard.has(p)) problems.push(`${maskIdNo(p)} has no active card`);
	if (problems.length > 0) throw new Error(`demo data failed its own checks:\n  ${problems.slice(0, 20).join("\n  ")}`);
}

function writeReaderKeys(data: DemoDataSet): void {
	mkdirSync(path.dirname(READER_KEYS_FILE), { recursive: true, mode: 0o700 });
	writeFileSync(READER_KEYS_FILE, `${JSON.stringify(readerKeyFile(data), null, "\t")}\n`, { mode: 0o600 });
}

/** The development PKI (scripts/dev-pki.ts) is async WebCrypto: its own process keeps runSeed synchronous. */
function writeDevPki(rebuild: boolean): void {
	const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "dev-pki.ts"), ...(rebuild ? ["--rebuild"] : [])], { cwd: ROOT, stdio: "inherit" });
	if (result.error) throw result.error;
	if (result.status !== 0) throw new Error(`scripts/dev-pki.ts failed (exit ${result.status})`);
}

/**
 * Demo staff of the local D1 without a registration or credentials get both (only those: an existing
 * 註冊密碼 is never replaced). Hashing is async WebCrypto: scripts/demo-credentials.ts does it in its own
 * process, as the dev PKI does. Returns how many people got one.
 */
function ensureDemoCredentials(data: DemoDataSet): number {
	const ids = [...new Set(data.staff.map((s) => s.idNo))];
	const list = ids.map((id) => `'${id}'`).join(", ");
	const [rows] = query(
		`SELECT p.id_no FROM people p WHERE p.id_no IN (${list})` +
			" AND (NOT EXISTS (SELECT 1 FROM credentials c WHERE c.id_no = p.id_no) OR NOT EXISTS (SELECT 1 FROM registrations r WHERE r.id_no = p.id_no))",
	);
	const missing = (rows ?? []).map((r) => text(r, "id_no")).filter((id) => id !== "");
	if (missing.length === 0) return 0;
	const dir = mkdtempSync(path.join(tmpdir(), "nhi-seed-"));
	const file = path.join(dir, "demo-credentials.sql");
	try {
		const result = spawnSync(process.execPath, [path.join(ROOT, "scripts", "demo-credentials.ts"), file], { cwd: ROOT, input: JSON.stringify(missing), stdio: ["pipe", "inherit", "inherit"] });
		if (result.error) throw result.error;
		if (result.status !== 0) throw new Error(`scripts/demo-credentials.ts failed (exit ${result.status})`);
		wrangler(["d1", "execute", "DB", "--local", "--file", file], { capture: true });
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
	return missing.length;
}

function printSummary(): void {
	const [totals, perUnit, staff] = query(
		[
			"SELECT (SELECT count(*) FROM units) AS units, (SELECT count(*) FROM people) AS people," +
				" (SELECT count(*) FROM roster WHERE withdrawn_on IS NULL) AS insured," +
				" (SELECT count(*) FROM roster WHERE withdrawn_on IS NOT NULL) AS withdrawn," +
				" (SELECT count(*) FROM cards) AS cards, (SELECT count(*) FROM cards WHERE status = 'active') AS active_cards",
			"SELECT u.code, u.name, u.ban, (SELECT count(*) FROM roster r WHERE r.unit_code = u.code AND r.withdrawn_on IS NULL) AS insured FROM units u ORDER BY u.code",
			"SELECT s.unit_code, s.role, s.email, s.id_no, p.name FROM unit_staff s JOIN people p ON p.id_no = s.id_no" +
				" WHERE s.revoked_at IS NULL ORDER BY s.unit_code, s.role DESC, s.email",
		].join(";\n"),
	);
	const t = totals?.[0];
	console.log(
		`\nLocal D1: ${text(t, "units")} units, ${text(t, "people")} people, roster ${text(t, "insured")} insured + ${text(t, "withdrawn")} withdrawn,` +
			` ${text(t, "cards")} cards (${text(t, "active_cards")} active).`,
	);
	for (const u of perUnit ?? []) {
		console.log(`\n  ${text(u, "code")} ${text(u, "name")} (統一編號 ${text(u, "ban")}, ${text(u, "insured")} insured members)`);
		for (const s of (staff ?? []).filter((row) => text(row, "unit_code") === text(u, "code"))) {
			const role = text(s, "role") === "manager" ? "單位管理者 manager" : "承辦人 clerk      ";
			console.log(`    ${role}  ${text(s, "name").padEnd(4, "　")}  ${maskIdNo(text(s, "id_no"))}  ${text(s, "email")}`);
		}
	}
	console.log(
		`\nSign in (http://127.0.0.1:8787/sign-in) as one of the staff above: insert their virtual NHI card on the reader` +
			` helper's page (http://127.0.0.1:61161/virtual) and type the demo 註冊密碼 ${DEMO_PASSWORD};` +
			` or their virtual 自然人憑證 (managers: the unit's 工商憑證) with PIN ${DEMO_PIN}.` +
			`\nFull card data and keys: ${path.relative(ROOT, READER_KEYS_FILE)} (git-ignored, demo keys only).`,
	);
}

export function runSeed(): void {
	console.log("Applying D1 migrations to the local database…");
	wrangler(["d1", "migrations", "apply", "DB", "--local"], { capture: false });

	const data = buildDemoData();
	verifyDataSet(data);
	const units = Number(text(query("SELECT count(*) AS n FROM units")[0]?.[0], "n"));

	if (units === 0) {
		const dir = mkdtempSync(path.join(tmpdir(), "nhi-seed-"));
		const file = path.join(dir, "seed.sql");
		try {
			writeFileSync(file, renderDemoSql(data).join("\n"));
			console.log(`Seeding ${data.units.length} units, ${data.people.length} people, ${data.roster.length} roster rows, ${data.cards.length} cards…`);
			// Local execution runs the whole file as one D1 batch, i.e. one transaction: all or nothing.
			// Its output (one result set per statement) is kept quiet and shown only if it fails.
			wrangler(["d1", "execute", "DB", "--local", "--file", file], { capture: true });
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
		writeReaderKeys(data);
		writeDevPki(true);
	} else {
		console.log(`The local database already has ${units} unit(s): left alone (seeding never overwrites data).`);
		// The key file is a pure function of the seed, so a missing one can be rebuilt to match.
		if (!existsSync(READER_KEYS_FILE)) {
			writeReaderKeys(data);
			console.log(`Rebuilt ${path.relative(ROOT, READER_KEYS_FILE)} from the demo seed.`);
		}
		// Certificates are random, not derived from the seed: made only when missing.
		writeDevPki(false);
	}
	const credentials = ensureDemoCredentials(data);
	if (credentials > 0) console.log(`Gave ${credentials} demo staff member(s) a completed registration and the demo 註冊密碼 ${DEMO_PASSWORD}.`);
	printSummary();
}

if (import.meta.main) {
	try {
		runSeed();
	} catch (err) {
		console.error(`\nSeeding failed: ${err instanceof Error ? err.message : String(err)}`);
		process.exitCode = 1;
	}
}
