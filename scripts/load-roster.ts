// npm run roster:load -- <file.csv> [--url http://127.0.0.1:8787]
// Posts an insured-member roster (header unit_code,id_no,name,enrolled_on,withdrawn_on) to the operator
// feed, POST /api/operator/roster. The token comes from $OPERATOR_TOKEN, else from .dev.vars. Exits 1
// when the file was refused or any row failed, so a scheduler notices.

import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

const ROOT = path.resolve(import.meta.dirname, "..");
const DEFAULT_URL = "http://127.0.0.1:8787";

type RowError = { line: number; code: string; message: string };
type Summary = { received: number; upserted: number; failed: number; errors: RowError[] };

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

function isSummary(v: unknown): v is Summary {
	return typeof v === "object" && v !== null && "received" in v && "upserted" in v && "failed" in v && "errors" in v && Array.isArray(v.errors);
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
	if (!res.ok || !isSummary(payload)) {
		console.error(`Refused: HTTP ${res.status}`, payload === null ? "" : JSON.stringify(payload));
		return 1;
	}
	console.log(JSON.stringify({ received: payload.received, upserted: payload.upserted, failed: payload.failed }));
	for (const e of payload.errors) console.log(`  第${e.line}行 ${e.code}: ${e.message}`);
	return payload.failed > 0 ? 1 : 0;
}

try {
	process.exitCode = await main();
} catch (err) {
	console.error(err instanceof Error ? err.message : String(err));
	process.exitCode = 1;
}
