// npm run bench: the 100,000-row import, end to end on this machine, and the limits it is judged against
// (issue 10), measured in the same run. It prepares a throw-away portal once (scripts/lib/throwaway-portal.ts:
// the demo data, a 100,000-member roster for the demo's largest unit, NHI cards for its first members),
// then measures:
// - limit_rows_per_s: the same file through the same parse and the same register SQL on Node's own SQLite
//   in one process (scripts/lib/import-limit.ts), --runs times;
// - bare_do_per_s: a bare Durable Object doing one write and its alarm (scripts/bare-do/), created from a
//   Worker at the concurrency the verify step opens windows with, on wrangler dev and the same state dir;
// - --runs times on a fresh copy of the prepared state, a clerk's upload (scripts/lib/bench-run.ts):
//   check_ms (檢查檔案, once the portal has it), upload_ms, import_ms and rows_per_s (the 303 to 入檔完畢),
//   peak_rss_mb (workerd until 入檔完畢), windows_per_s and verify_peak_rss_mb (入檔完畢 until every window
//   is open and mailed), status answers during both; the last run also times 確定 for 200 registrants.
// Human lines first; the LAST line is one JSON object: each figure (median over runs, with _min / _max
// where runs vary) and beside it what it is judged against (`_target`, and the limits above).
//
// Options: --runs=1, --rows=100000 (fewer to try the bench out), --roster=feed (POST /api/operator/roster)
// | sql (wrangler d1 execute), --state-dir=DIR (default /dev/shm, tmpfs; /tmp measures on the disk),
// --timeout-s (default 600 per run). BENCH_LOG=<file> keeps the last wrangler dev's output. The Worker
// runs from a snapshot, so edits saved meanwhile do not restart workerd mid-run.

import { rmSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { maskIdNo } from "../workers/domain/mask.ts";
import { Rng, renderDemoSql } from "./demo-data.ts";
import { benchCards, benchCardsSql } from "./lib/bench-confirm.ts";
import { buildRoster, buildUploadFile, type Member, rosterCsvChunks, rosterSql } from "./lib/bench-data.ts";
import { benchRun, latencies, type RunFigures } from "./lib/bench-run.ts";
import { importOnSqlite, limitDatabase } from "./lib/import-limit.ts";
import { percentile, spread } from "./lib/load-http.ts";
import { PortalClient } from "./lib/portal-client.ts";
import { largestUnitClerk, ThrowawayPortal } from "./lib/throwaway-portal.ts";
import { descendantsNamed } from "./lib/workerd-stats.ts";
import { ROOT, WranglerDev } from "./lib/wrangler-dev.ts";

/** The feed takes at most 100,000 rows per request (ROSTER_MAX_ROWS, workers/services/roster-feed.ts). */
const ROSTER_FEED_CHUNK_ROWS = 50_000;
const BENCH_SEED = 20_261_101;
/** Requests to the bare object's Worker, each creating one verify wave's worth of objects (its WINDOW_WAVE). */
const BARE_WAVES = 5;

const { values: options } = parseArgs({
	options: {
		runs: { type: "string", default: "1" },
		rows: { type: "string", default: "100000" },
		roster: { type: "string", default: "feed" },
		"state-dir": { type: "string" },
		"timeout-s": { type: "string", default: "600" },
	},
});
const RUNS = Math.max(1, Number(options.runs));
const UPLOAD_ROWS = Number(options.rows);
if (options.roster !== "feed" && options.roster !== "sql") throw new Error("--roster must be feed or sql");

const portal = new ThrowawayPortal({
	name: "bench",
	stateDir: options["state-dir"],
	timeoutMs: Number(options["timeout-s"]) * 1000 * RUNS,
	...(process.env.BENCH_LOG ? { keepLog: process.env.BENCH_LOG } : {}),
});
const onDisk = portal.stateKind === "disk" || !portal.workDir.startsWith("/dev/shm");
/** The product's targets for a 100,000-row upload (issue 10); rows_per_s is lower on a disk. */
const TARGETS: Record<string, number> = {
	rows_per_s: onDisk ? 60_000 : 100_000,
	import_vs_limit: 0.5,
	windows_per_s: 600,
	status_p95_ms: 1_000,
	verify_peak_rss_mb: 1_024,
	confirm_p95_ms: 150,
	upload_ms: 1_000,
	peak_rss_mb: 512,
	check_ms: 3_000,
};
/** Figures where a higher value is better (the rest must stay below their target). */
const AT_LEAST = new Set(["rows_per_s", "import_vs_limit", "windows_per_s"]);

function log(line: string): void {
	console.log(line);
}

function since(t0: number): string {
	return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** Loads the roster through the operator feed (on a wrangler dev of its own), or with bulk INSERTs. */
async function loadRoster(unitCode: string, members: readonly Member[]): Promise<void> {
	const t0 = performance.now();
	if (options.roster === "sql") {
		await portal.executeSql("roster.sql", rosterSql(unitCode, members));
		return log(`  roster: ${members.length.toLocaleString("en")} members with wrangler d1 execute --file in ${since(t0)}`);
	}
	const token = crypto.randomUUID();
	const client = new PortalClient((await portal.start({ OPERATOR_TOKEN: token })).origin);
	for (const chunk of rosterCsvChunks(unitCode, members, ROSTER_FEED_CHUNK_ROWS)) {
		const answer = await client.postRoster(token, chunk);
		if (answer === null || answer.failed > 0) throw new Error(`the roster feed answered ${answer ? `${answer.failed} of ${answer.received} rows refused` : "404"}`);
	}
	await portal.stop();
	log(`  roster: ${members.length.toLocaleString("en")} members through POST /api/operator/roster in ${since(t0)}`);
}

/** bare_do_per_s: the bare object's Worker on wrangler dev, state beside the portal's; objects per second of each wave. */
async function bareObjectRates(): Promise<number[]> {
	const dev = await WranglerDev.start({
		persistTo: path.join(portal.workDir, "bare-state"),
		vars: {},
		development: false,
		logFile: path.join(portal.workDir, "bare-do.log"),
		config: path.join(ROOT, "scripts", "bare-do", "wrangler.toml"),
	});
	portal.onTeardown(() => dev.stop());
	try {
		const rates: number[] = [];
		for (let wave = 0; wave < BARE_WAVES; wave++) {
			const res = await fetch(`${dev.origin}/wave?n=${wave}`, { signal: AbortSignal.timeout(120_000) });
			if (res.status !== 200) throw new Error(`the bare object's Worker answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
			const { count, ms } = (await res.json()) as { count: number; ms: number };
			rates.push(Math.round(count / (ms / 1000)));
		}
		return rates;
	} finally {
		await dev.stop();
	}
}

async function main(): Promise<number> {
	const t0 = performance.now();
	const others = descendantsNamed(0, "workerd").length;
	log(`Bench: ${UPLOAD_ROWS.toLocaleString("en")}-row import, ${RUNS} run(s), state on ${portal.stateKind} (${portal.workDir})`);
	log(`  ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}${others > 0 ? `; ${others} other workerd process(es) running: figures may suffer` : ""}`);

	log("1. preparing: the Worker bundled, D1 migrated and seeded, the roster and the cards…");
	const demo = await portal.prepare();
	const clerk = largestUnitClerk(demo);
	const rng = new Rng(BENCH_SEED);
	const taken = new Set(demo.people.map((p) => p.idNo));
	const members = buildRoster(rng, taken, UPLOAD_ROWS);
	const file = buildUploadFile(rng, clerk.unitCode, members, taken, UPLOAD_ROWS);
	await loadRoster(clerk.unitCode, members);
	const cards = benchCards(members);
	await portal.executeSql("cards.sql", benchCardsSql(cards));
	const e = file.expected;
	log(`  ${clerk.unitCode} ${clerk.unitName}, clerk ${maskIdNo(clerk.idNo)}; ${file.fileName}: ${file.bytes.byteLength.toLocaleString("en")} bytes, expected ${e.success} success / ${e.failed} failed — ${since(t0)}`);

	log(`2. the limit: the same file, parse and register SQL on node:sqlite in one process (${RUNS} run(s))…`);
	const limitRates: number[] = [];
	for (let i = 0; i < RUNS; i++) {
		const dbFile = path.join(portal.workDir, `limit-${i}.sqlite`);
		const db = limitDatabase(dbFile, renderDemoSql(demo).join("\n") + rosterSql(clerk.unitCode, members));
		const r = await importOnSqlite(db, `limit-${i}`, clerk.unitCode, file.bytes);
		db.close();
		for (const suffix of ["", "-wal", "-shm"]) rmSync(dbFile + suffix, { force: true });
		if (r.total !== file.rows || r.success !== e.success) throw new Error(`the limit's import gave ${r.total} rows, ${r.success} success`);
		limitRates.push(Math.round(file.rows / (r.ms / 1000)));
		log(`  run ${i + 1}: ${Math.round(r.ms)} ms, ${limitRates.at(-1)?.toLocaleString("en")} rows/s`);
	}

	log(`3. the bare object: ${BARE_WAVES} waves of objects created as a verify wave opens windows, one write and its alarm each…`);
	const bareRates = await bareObjectRates();
	log(`  objects/s per wave: ${bareRates.join(", ")}`);

	const runs: RunFigures[] = [];
	const statusMs: number[] = [];
	const problems: string[] = [];
	for (let i = 0; i < RUNS; i++) {
		log(`${4 + i}. run ${i + 1} of ${RUNS} on a fresh copy of the prepared state…`);
		portal.copyState(`run-${i}`);
		const dev = await portal.start();
		const run = await benchRun({ dev, persistTo: portal.persistTo, clerk, file, cards, confirm: i === RUNS - 1, log });
		if (dev.reloads() > 0) run.problems.push("wrangler dev reloaded during the run (wrangler.toml or web/public changed)");
		await portal.stop();
		rmSync(portal.persistTo, { recursive: true, force: true });
		runs.push(run.figures);
		statusMs.push(...run.statusMs);
		problems.push(...run.problems.map((p) => `run ${i + 1}: ${p}`));
	}

	const of = (key: string) => spread(runs.flatMap((r) => (typeof r[key] === "number" ? [r[key]] : [])));
	const rows = of("rows_per_s");
	const limit = spread(limitRates);
	const bare = spread(bareRates);
	const windows = of("windows_per_s");
	const results: Record<string, number | null> = {
		rows: file.rows,
		runs: RUNS,
		rows_per_s: rows.median,
		rows_per_s_min: rows.min,
		rows_per_s_max: rows.max,
		limit_rows_per_s: limit.median,
		import_vs_limit: Math.round((rows.median / limit.median) * 100) / 100,
		windows_per_s: windows.median,
		windows_per_s_min: windows.min,
		windows_per_s_max: windows.max,
		bare_do_per_s: bare.median,
		windows_vs_bare: Math.round((windows.median / bare.median) * 100) / 100,
		status_p95_ms: Math.round(percentile([...statusMs].sort((a, b) => a - b), 95)),
		verify_peak_rss_mb: of("verify_peak_rss_mb").max,
		peak_rss_mb: of("peak_rss_mb").max,
		upload_ms: of("upload_ms").median,
		import_ms: of("import_ms").median,
		verify_ms: of("verify_ms").median,
		check_ms: runs.some((r) => r.check_ms !== null) ? of("check_ms").median : null,
		confirm_p50_ms: runs.at(-1)?.confirm_p50_ms ?? null,
		confirm_p95_ms: runs.at(-1)?.confirm_p95_ms ?? null,
	};
	for (const [key, target] of Object.entries(TARGETS)) results[`${key}_target`] = target;

	log(`\nFigures (median of ${RUNS} run(s); min / median / max where runs vary) and what each is judged against:`);
	const line = (key: string, text: string, against: string) => log(`  ${key.padEnd(20)} ${text.padEnd(28)} ${against}`);
	line("rows_per_s", `${rows.min} / ${rows.median} / ${rows.max}`, `≥ ${TARGETS.rows_per_s} (${onDisk ? "disk" : "tmpfs"}); limit ${limit.min} / ${limit.median} / ${limit.max} on node:sqlite`);
	line("import_vs_limit", String(results.import_vs_limit), `≥ ${TARGETS.import_vs_limit}`);
	line("windows_per_s", `${windows.min} / ${windows.median} / ${windows.max}`, `≥ ${TARGETS.windows_per_s}; bare object ${bare.min} / ${bare.median} / ${bare.max} (ratio ${results.windows_vs_bare})`);
	line("status_p95_ms", `${results.status_p95_ms} (${latencies(statusMs)})`, `≤ ${TARGETS.status_p95_ms}`);
	for (const key of ["verify_peak_rss_mb", "peak_rss_mb", "upload_ms", "confirm_p95_ms", "check_ms"]) {
		line(key, String(results[key] ?? "—"), `${AT_LEAST.has(key) ? "≥" : key.endsWith("rss_mb") ? "≤" : "<"} ${TARGETS[key]}`);
	}
	for (const problem of problems) console.error(`  FAILED: ${problem}`);
	log(`Done in ${since(t0)}.`);
	console.log(JSON.stringify(results));
	return problems.length > 0 ? 1 : 0;
}

portal.run(main);
