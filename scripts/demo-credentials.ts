// Demo sign-in credentials (SPEC §11): every demo staff member gets a completed registration
// (registrations.status verified) and a 註冊密碼, DEMO_PASSWORD, so that they can sign in with their
// virtual NHI card + that password right after `npm start`. Only where absent: a person who already has
// a registration or credentials keeps them (ON CONFLICT DO NOTHING). The password is hashed with the
// portal's own workers/lib/password-hash.ts (WebCrypto, 600,000 chained PBKDF2 iterations).
//
// Used by scripts/seed.ts (through this file's own process, to keep the seed synchronous) and by the
// browser-test runner (directly).
//
//   node scripts/demo-credentials.ts OUT.sql   < ids.json   writes the SQL for the staff IDs on stdin

import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { hashPassword } from "../workers/lib/password-hash.ts";
import type { DemoDataSet } from "./demo-data.ts";

/** The demo 註冊密碼 of every demo staff member (6–12 characters, all four classes: 強). */
export const DEMO_PASSWORD = "Demo@2026";
/** The batch id a demo registration names: no upload made it. */
const DEMO_BATCH_ID = "demo-seed";

type SqlValue = string | number | null;

function sqlValue(v: SqlValue): string {
	if (v === null) return "NULL";
	if (typeof v === "number") return String(v);
	return `'${v.replaceAll("'", "''")}'`;
}

/** A demo mobile number derived from the ID, so a rebuilt data set gives the same one. */
function demoMobile(idNo: string): string {
	const digits = [...createHash("sha256").update(`demo-mobile/${idNo}`).digest()].slice(0, 8).map((b) => b % 10);
	return `09${digits.join("")}`;
}

/**
 * INSERT statements for a verified registration and the demo password of each staff member in `idNos`
 * (all staff when omitted). A person on several units' staff is registered with the first one.
 */
export async function demoCredentialsSql(data: Pick<DemoDataSet, "staff">, idNos?: ReadonlySet<string>, now = Date.now()): Promise<string[]> {
	const firstRole = new Map<string, DemoDataSet["staff"][number]>();
	for (const s of data.staff) if (!firstRole.has(s.idNo) && (idNos === undefined || idNos.has(s.idNo))) firstRole.set(s.idNo, s);
	const staff = [...firstRole.values()];
	if (staff.length === 0) return [];
	// Each hash is 600,000 PBKDF2 iterations; WebCrypto runs them off the main thread, so all at once.
	const hashes = await Promise.all(staff.map(() => hashPassword(DEMO_PASSWORD)));
	const registrations = staff.map((s) =>
		[`demo-${randomBytes(12).toString("base64url")}`, s.idNo, s.unitCode, s.email, demoMobile(s.idNo), null, "verified", DEMO_BATCH_ID, 1, now, now, now]
			.map(sqlValue)
			.join(", "),
	);
	const credentials = staff.map((s, i) => [s.idNo, hashes[i] ?? "", now].map(sqlValue).join(", "));
	return [
		"INSERT INTO registrations (id, id_no, unit_code, email, mobile, phone, status, batch_id, generation, created_at, updated_at, verified_at) VALUES\n" +
			registrations.map((r) => `(${r})`).join(",\n") +
			"\nON CONFLICT (id_no) DO NOTHING;",
		"INSERT INTO credentials (id_no, password_hash, updated_at) VALUES\n" +
			credentials.map((r) => `(${r})`).join(",\n") +
			"\nON CONFLICT (id_no) DO NOTHING;",
	];
}

if (import.meta.main) {
	try {
		const out = process.argv[2];
		if (!out) throw new Error("usage: node scripts/demo-credentials.ts OUT.sql < ids.json");
		const parsed: unknown = JSON.parse(readFileSync(0, "utf8"));
		if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === "string")) throw new Error("stdin must be a JSON array of ID numbers");
		const { buildDemoData } = await import("./demo-data.ts");
		writeFileSync(out, (await demoCredentialsSql(buildDemoData(), new Set(parsed))).join("\n"));
	} catch (err) {
		console.error(`demo credentials failed: ${err instanceof Error ? err.message : String(err)}`);
		process.exitCode = 1;
	}
}
