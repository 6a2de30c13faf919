// npm run roster:load -- <file.csv> [--url http://127.0.0.1:8787]
// Posts an insured-member roster (header unit_code,id_no,name,enrolled_on,withdrawn_on or NHI's
// 投保單位代號,身分證號,姓名,加保日期,退保日期) to the operator feed, POST /api/operator/roster, and prints
// every failed row (scripts/lib/roster-report.ts). The token comes from $OPERATOR_TOKEN, else from
// .dev.vars. Exits 1 when the file was refused or any row failed, so a scheduler notices.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { rosterReport } from "./lib/roster-report.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const DEFAULT_URL = "http://127.0.0.1:8787";

function operatorToken(): string {
	const fromEnv = process.env.OPERATOR_TOKEN;
	if (fromEnv) return fromEnv;
	const devVars = path.join(ROOT, ".dev.vars");
	if (existsSync(devVars)) {
		for (const line of readFileSync(devVars, "utf8").split(/\r?\n/)) {
			const m = /^\s*OPERATOR_TOKEN\s*=\s*"?([^"]*?)"?\s*$/.exec(line);
			if (m?.[1]) return m[1];
		}
	}
	throw new Error("OPERATOR_TOKEN is not set (environment or .dev.vars).");
}

async function main(): Promise<number> {
	const { values, positionals } = parseArgs({ allowPositionals: true, options: { url: { type: "string", default: DEFAULT_URL } } });
	const file = positionals[0];
	if (!file || positionals.length > 1) {
		console.error("usage: npm run roster:load -- <file.csv> [--url http://127.0.0.1:8787]");
		return 2;
	}
	const endpoint = new URL("/api/operator/roster", values.url);
	const body = readFileSync(path.resolve(process.cwd(), file));
	console.log(`Posting ${file} (${body.byteLength.toLocaleString("en")} bytes) to ${endpoint.href}…`);

	const token = operatorToken();
	let res: Response;
	try {
		res = await fetch(endpoint, {
			method: "POST",
			headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv; charset=utf-8", Accept: "application/json" },
			body,
		});
	} catch (err) {
		console.error(`Cannot reach ${endpoint.origin}: ${err instanceof Error ? err.message : String(err)}. Is the portal running (npm start)?`);
		return 1;
	}
	const payload: unknown = await res.json().catch(() => null);
	const report = rosterReport(res.status, payload);
	for (const line of report.stderr) console.error(line);
	for (const line of report.stdout) console.log(line);
	return report.exitCode;
}

try {
	process.exitCode = await main();
} catch (err) {
	console.error(err instanceof Error ? err.message : String(err));
	process.exitCode = 1;
}
