// npm run bench: the 100,000-row import, end to end on this machine. It starts a throw-away portal
// (wrangler dev on a free port, its own --persist-to directory under the OS temp dir), migrates and seeds
// it with the demo data, loads a 100,000-member roster for the demo's largest unit, signs in as one of its
// clerks and uploads a 100,000-row batch file, then follows the batch to 入檔完畢 and checks the result.
//
// Human lines first (with where the import's time went); the LAST line is one JSON object of figures:
//   {"rows":100000,"upload_ms":164,"import_ms":4144,"rows_per_s":24131,"peak_rss_mb":438.5,"windows_per_s":300}
// upload_ms: POST /batches until its 303; import_ms: from the 303 until status 入檔完畢; peak_rss_mb: peak
// VmRSS of the workerd process running the Worker (sampled from /proc every 50 ms); windows_per_s: after
// 入檔完畢, registrants' verification windows opened (each with its mail queued) per second until the
// batch's object is done (verify_ms: that time); confirm_p50_ms / confirm_p95_ms: 確定 (POST /verify) of 200
// registrants with their cards (scripts/lib/bench-confirm.ts). Each figure comes from a measure function whose keys
// are merged into `results`: add a measurement by writing another one and calling it from main().
//
// Options: --roster=feed (default: POST /api/operator/roster) | --roster=sql (wrangler d1 execute --file);
// --timeout-s=600; --state-dir=<dir> (default /dev/shm: see scripts/lib/throwaway-portal.ts). BENCH_LOG=<file> keeps wrangler dev's whole output there. The Worker is bundled once at the start and run with --no-bundle from a snapshot
// (bundle, wrangler.toml, assets), so that edits made meanwhile do not restart workerd mid-run.
// Always stops wrangler dev and removes its temp dir: on success, failure, Ctrl-C and time-out.

import { availableParallelism, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { maskIdNo } from "../workers/domain/mask.ts";
import { VERIFICATION_MAIL_SUBJECT } from "../workers/services/verification-mail.ts";
import { Rng } from "./demo-data.ts";
import { type BenchCard, benchCards, benchCardsSql, confirmRegistrant, emailsInFile, registrantTickets } from "./lib/bench-confirm.ts";
import { RouteStats } from "./lib/load-http.ts";
import { buildRoster, buildUploadFile, type Member, rosterCsvChunks, rosterSql, type UploadFile } from "./lib/bench-data.ts";
import { type BatchStatus, PortalClient, ResponsivenessProbe } from "./lib/portal-client.ts";
import { PipelineTracer, stepTimings } from "./lib/pipeline-trace.ts";
import { descendantsNamed, WorkerdSampler } from "./lib/workerd-stats.ts";
import { type DemoClerk, largestUnitClerk, ThrowawayPortal } from "./lib/throwaway-portal.ts";
import { sleep, type WranglerDev } from "./lib/wrangler-dev.ts";

const POLL_MS = 50;
/** How often the pipeline's state row is read (cheap: one SQLite read). */
const TRACE_MS = 10;
/** The feed takes at most 100,000 rows per request (ROSTER_MAX_ROWS, workers/services/roster-feed.ts). */
const ROSTER_FEED_CHUNK_ROWS = 50_000;
/** The batch must reach 入檔完畢 within this, or the bench fails (the whole bench is bounded anyway). */
const IMPORT_TIMEOUT_MS = 5 * 60_000;
/** After 入檔完畢, the verify step must move on at least once in this long, or the bench fails. */
const VERIFY_STALL_MS = 60_000;
/** The verify step's progress is read this often: a count over the batch's hand-offs, which competes with the step for workerd. */
const VERIFY_POLL_MS = 1_000;
const BENCH_SEED = 20_261_101;
/** How many registrants confirm (one 確定 after another). */
const CONFIRM_REQUESTS = 200;

type Results = Record<string, number>;

const { values: options } = parseArgs({
	options: { roster: { type: "string", default: "feed" }, rows: { type: "string", default: "100000" }, "timeout-s": { type: "string", default: "600" }, "state-dir": { type: "string" } },
});
if (options.roster !== "feed" && options.roster !== "sql") {
	console.error("--roster must be feed or sql");
	process.exit(2);
}
/** The upload's rows, and the roster's members (the issue's scale by default; fewer to try the bench out). */
const UPLOAD_ROWS = Number(options.rows);
const ROSTER_MEMBERS = UPLOAD_ROWS;
/** The whole bench is bounded: 10 minutes unless --timeout-s says otherwise. */
const BENCH_TIMEOUT_MS = Number(options["timeout-s"]) * 1000;

const portal = new ThrowawayPortal({ name: "bench", stateDir: options["state-dir"], timeoutMs: BENCH_TIMEOUT_MS, ...(process.env.BENCH_LOG ? { keepLog: process.env.BENCH_LOG } : {}) });
/** The figures, filled in by the measure functions as they finish (printed even if a later one fails). */
const results: Results = {};
portal.onTeardown((code) => {
	if (code !== 0 && Object.keys(results).length > 1) console.error(`Figures measured before that: ${JSON.stringify(results)}`);
});

/** workerd processes on this machine that are not ours (a test run of another engineer, say). */
function otherWorkerd(): number {
	return descendantsNamed(0, "workerd").length - (portal.dev ? descendantsNamed(portal.dev.pid, "workerd").length : 0);
}

function log(line: string): void {
	console.log(line);
}

function since(t0: number): string {
	return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

// ---- setup ---------------------------------------------------------------------------------------

/**
 * Loads the roster through the operator feed (on a wrangler dev of its own), or with bulk INSERTs when
 * asked or when the feed is not there. Either way no wrangler dev runs afterwards: the measured one
 * starts fresh, so its memory figures are the import's, not the roster load's leftovers.
 */
async function loadRoster(operatorToken: string, unitCode: string, members: readonly Member[]): Promise<void> {
	if (options.roster === "feed") {
		const client = new PortalClient((await portal.start({ OPERATOR_TOKEN: operatorToken })).origin);
		const t0 = performance.now();
		let received = 0;
		for (const chunk of rosterCsvChunks(unitCode, members, ROSTER_FEED_CHUNK_ROWS)) {
			const answer = await client.postRoster(operatorToken, chunk);
			if (answer === null) {
				log("  the operator roster feed answers 404 (not there yet): loading with wrangler d1 execute instead.");
				await portal.stop();
				return loadRosterBySql(unitCode, members);
			}
			if (answer.failed > 0) throw new Error(`the roster feed refused ${answer.failed} of ${answer.received} rows`);
			received += answer.upserted;
		}
		const ms = performance.now() - t0;
		await portal.stop();
		log(
			`  roster: ${received.toLocaleString("en")} members through POST /api/operator/roster (${Math.ceil(members.length / ROSTER_FEED_CHUNK_ROWS)} requests)` +
				` in ${(ms / 1000).toFixed(1)} s, ${Math.round(received / (ms / 1000)).toLocaleString("en")} rows/s`,
		);
		return;
	}
	return loadRosterBySql(unitCode, members);
}

/** Bulk INSERTs with wrangler d1 execute, which must not write the SQLite file under a running workerd. */
async function loadRosterBySql(unitCode: string, members: readonly Member[]): Promise<void> {
	const t0 = performance.now();
	await portal.executeSql("roster.sql", rosterSql(unitCode, members));
	log(`  roster: ${members.length.toLocaleString("en")} members with wrangler d1 execute --file (bulk INSERTs) in ${since(t0)}`);
}

// ---- measurements --------------------------------------------------------------------------------

/**
 * upload_ms: POST /batches until its 303 answer. import_ms: from that answer until the batch record says
 * 入檔完畢 (status done; the pipeline mails the clerk before it sets done), read out of band from local
 * D1 because the status endpoint may not answer meanwhile (its latency is reported separately).
 * peak_rss_mb: the peak RSS of the workerd process running the Worker, from the upload to 入檔完畢.
 */
async function measureUploadAndImport(client: PortalClient, devServer: WranglerDev, file: UploadFile, clerk: DemoClerk) {
	const workerd = new WorkerdSampler(devServer.pid);
	if (workerd.start(POLL_MS).length === 0) log("  (no workerd process found under wrangler dev: peak_rss_mb will be 0)");
	const probe = new ResponsivenessProbe(devServer.origin, POLL_MS);
	probe.start();

	const t0 = performance.now();
	const batchId = await client.upload({ unitCode: clerk.unitCode, contactName: clerk.name, contactEmail: clerk.email, fileName: file.fileName, bytes: file.bytes });
	const accepted = performance.now();
	const tracer = new PipelineTracer(portal.persistTo, batchId);
	tracer.start(TRACE_MS);

	// As the clerk's progress page does: poll the status endpoint until 入檔完畢.
	const pollMs: number[] = [];
	let last: BatchStatus;
	for (;;) {
		const before = performance.now();
		last = await client.status(batchId);
		const at = performance.now();
		pollMs.push(at - before);
		if (last.status === "done" || last.status === "failed") break;
		if (at - accepted > IMPORT_TIMEOUT_MS) throw new Error(`batch still ${last.label} (${last.rowsDone}/${last.totalRows}) after ${IMPORT_TIMEOUT_MS / 1000} s`);
		await sleep(POLL_MS);
	}
	const polledDone = performance.now();
	if (last.status === "failed") throw new Error(`batch failed (入檔失敗): ${last.failureMessage ?? "no message"}`);
	const doneAt = tracer.statusAt("done") ?? polledDone;

	const importMs = doneAt - accepted;
	const stats = workerd.stats(t0, doneAt);
	const results: Results = {
		upload_ms: Math.round(accepted - t0),
		import_ms: Math.round(importMs),
		rows_per_s: Math.round(file.rows / (importMs / 1000)),
		// The largest workerd is the one running the Worker, its Durable Objects and local D1; wrangler's
		// other workerd (its entry proxy, ~90 MB) does not exist in production. The sum is reported too.
		peak_rss_mb: round1(Math.max(0, ...stats.peakRssMbByPid.values())),
	};
	return { batchId, final: last, results, accepted, doneAt, polledDone, pollMs, probe, tracer, workerd, importStats: stats };
}

type ImportRun = Awaited<ReturnType<typeof measureUploadAndImport>>;

/** Where the import's time went, for people (the object's steps and the batch record, traced so far). */
function reportImport(run: ImportRun, results: Results): void {
	log(`5. batch ${run.batchId}: upload answered in ${results.upload_ms} ms; 入檔完畢 ${results.import_ms} ms after it (${results.rows_per_s?.toLocaleString("en")} rows/s)`);
	const trace = run.tracer.snapshot();
	const steps = stepTimings(trace.steps, run.accepted, performance.now()).filter((s) => s.startMs <= run.doneAt - run.accepted);
	if (steps.length > 0) {
		const text = steps.map((s) => `${s.step} ${Math.round(s.ms)} ms${s.chunks > 0 && s.step !== "parse" ? ` (${s.chunks} chunks, ${Math.round(s.ms / s.chunks)} ms each)` : ""}`);
		log(`  the object's steps after the 303: ${text.join(" → ")}`);
	} else {
		log(`  the object's steps: not traced (its SQLite file was not readable; ${trace.unreadable} failed reads)`);
	}
	const firstProgress = trace.statuses.find((t) => t.rowsDone > 0);
	const importing = trace.statuses.find((t) => t.status === "importing");
	log(
		`  the batch record (D1): 入檔中 at ${msAfter(importing?.at, run.accepted)}, first rows done at ${msAfter(firstProgress?.at, run.accepted)},` +
			` 入檔完畢 at ${msAfter(run.doneAt, run.accepted)}; the status endpoint first answered 入檔完畢 at ${msAfter(run.polledDone, run.accepted)}`,
	);
	log(`  status polls (GET /batches/:id/status) until then: ${latencies(run.pollMs)}`);
	const w = run.importStats;
	const perPid = [...w.peakRssMbByPid].map(([pid, mb]) => `${pid}: ${round1(mb)} MB`).join(", ");
	log(
		`  workerd RSS until 入檔完畢: peak ${results.peak_rss_mb} MB in the Worker's process; all ${w.peakRssMbByPid.size} workerd processes summed` +
			` ${round1(w.startRssMb)} MB before the upload, peak ${round1(w.peakRssMb)} MB (peaks by pid ${perPid || "none"}; ${w.samples} samples)`,
	);
	log(`  workerd CPU until 入檔完畢: ${Math.round(w.cpuMs)} ms (${Math.round((100 * w.cpuMs) / (results.import_ms ?? 1))}% of one core over import_ms)`);
}

/** Stops the samplers once the batch's object is through, and says what the time after 入檔完畢 cost. */
async function finishRun(run: ImportRun): Promise<void> {
	const end = performance.now();
	run.workerd.stop();
	const trace = run.tracer.stop();
	const probeMs = await run.probe.stop();
	const verifySteps = stepTimings(trace.steps, run.accepted, end).filter((s) => s.startMs > run.doneAt - run.accepted && s.step !== "done");
	const v = run.workerd.stats(run.doneAt, end);
	const hwm = [...run.workerd.highWaterMb()].map(([pid, mb]) => `${pid}: ${round1(mb)} MB`).join(", ");
	log(
		`  after 入檔完畢 (${verifySteps.map((s) => `${s.step} ${Math.round(s.ms)} ms`).join(" → ") || "no step traced"}): workerd CPU ${Math.round(v.cpuMs)} ms,` +
			` peak RSS ${round1(Math.max(0, ...v.peakRssMbByPid.values()))} MB in the Worker's process; VmHWM at the end ${hwm || "n/a"}`,
	);
	log(`  responsiveness from the upload to here (GET /batches/template.csv, no session, no D1): ${latencies(probeMs)}`);
}

function msAfter(at: number | undefined, origin: number): string {
	return at === undefined ? "—" : `${Math.round(at - origin)} ms`;
}

/** The end state: counts add up, match what the file was built to give, and the clerk has the mail. */
async function verifyEndState(client: PortalClient, final: BatchStatus, file: UploadFile, clerk: DemoClerk, uploadStartedAt: number): Promise<string[]> {
	const problems: string[] = [];
	if (final.totalRows !== file.rows) problems.push(`totalRows ${final.totalRows} ≠ ${file.rows} rows in the file`);
	if (final.successCount + final.failureCount !== file.rows) {
		problems.push(`success ${final.successCount} + failure ${final.failureCount} ≠ ${file.rows} rows`);
	}
	if (final.successCount !== file.expected.success || final.failureCount !== file.expected.failed) {
		problems.push(`expected success ${file.expected.success} / failure ${file.expected.failed}, got ${final.successCount} / ${final.failureCount}`);
	}
	log(`  counts: 總共上傳${final.totalRows}筆, 成功註冊${final.successCount}筆, 失敗${final.failureCount}筆 (expected ${file.expected.success} / ${file.expected.failed})`);

	const messages = await client.mailbox(clerk.email);
	if (messages === null) {
		log("  clerk mail: skipped (GET /dev/mailbox.json is not there yet)");
	} else {
		const mail = messages.find((m) => Date.parse(m.createdAt) >= uploadStartedAt - 1_000);
		if (!mail) problems.push(`no mail to ${clerk.email} since the upload`);
		else {
			const counted = mail.text.includes(`總共上傳${file.rows}筆`);
			log(`  clerk mail: 「${mail.subject}」 to ${mail.to.join(", ")}, ${mail.attachments.length} attachment(s)${counted ? `, says 總共上傳${file.rows}筆` : ""}`);
			if (!counted) problems.push(`the clerk mail does not say 總共上傳${file.rows}筆`);
		}
	}
	return problems;
}

function round1(n: number): number {
	return Math.round(n * 10) / 10;
}

function latencies(values: readonly number[]): string {
	if (values.length === 0) return "none answered";
	return `${values.length} answers, p50 ${Math.round(percentile(values, 50))} ms, p95 ${Math.round(percentile(values, 95))} ms, max ${Math.round(Math.max(...values))} ms`;
}

function percentile(values: readonly number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * windows_per_s: from 入檔完畢 until the BatchUpload object's verify step is through (no hand-off left
 * queued: its last wave then steps the object to done), the verification windows opened — each a Durable
 * Object, with its registrant's mail queued — per second. Then every success must have its window, and
 * the first registrants of the file exactly one verification mail whose link carries only a ticket.
 */
async function measureVerification(client: PortalClient, batchId: string, final: BatchStatus, file: UploadFile): Promise<{ results: Results; problems: string[] }> {
	const t0 = performance.now();
	let lastProgress = t0;
	let lastLog = t0;
	let opened = -1;
	let status: BatchStatus = final;
	for (;;) {
		status = await client.status(batchId);
		const v = status.verification;
		if (!v) throw new Error("GET /batches/:id/status has no verification counts (an older portal?)");
		const now = performance.now();
		if (v.opened !== opened) {
			opened = v.opened;
			lastProgress = now;
		}
		// The object's last wave marks its hand-offs, finds none queued and steps to done.
		if (v.queued === 0) break;
		if (now - lastProgress > VERIFY_STALL_MS) throw new Error(`the verify step made no progress for ${VERIFY_STALL_MS / 1000} s (${v.opened} opened, ${v.queued} queued)`);
		if (now - lastLog > 10_000) {
			lastLog = now;
			log(`  … ${v.opened.toLocaleString("en")} windows opened, ${v.queued.toLocaleString("en")} queued (${Math.round(v.opened / ((now - t0) / 1000))}/s)`);
		}
		await sleep(VERIFY_POLL_MS);
	}
	const ms = performance.now() - t0;
	const v = status.verification ?? { queued: 0, opened: 0, superseded: 0 };
	const problems: string[] = [];
	if (v.opened !== final.successCount) problems.push(`${v.opened} verification windows opened for ${final.successCount} successful rows`);
	if (v.superseded !== 0) problems.push(`${v.superseded} hand-offs superseded in a batch nobody else touched`);
	log(`  ${v.opened.toLocaleString("en")} windows opened and mailed in ${(ms / 1000).toFixed(1)} s after 入檔完畢 (${v.superseded} superseded)`);

	// A sample of the file's first rows: a registrant gets exactly one mail, whose links carry no ID.
	const firstRows = new TextDecoder().decode(file.bytes).split(/\r?\n/).slice(0, 20).map((l) => l.split(","));
	let mailed = 0;
	for (const [idNo = "", email = ""] of firstRows) {
		if (!email.includes("@")) continue;
		const mails = ((await client.mailbox(email)) ?? []).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT);
		if (mails.length > 1) problems.push(`${mails.length} verification mails to one registrant (${maskIdNo(idNo)})`);
		for (const m of mails) {
			if (!/\/verify\?ticket=[A-Za-z0-9_-]{22,}/.test(m.text)) problems.push("a verification mail without its /verify?ticket= link");
			if (idNo && m.text.toUpperCase().includes(idNo.toUpperCase())) problems.push("a verification mail shows the full ID");
		}
		mailed += mails.length === 1 ? 1 : 0;
	}
	if (mailed === 0) problems.push("none of the file's first registrants has a verification mail");
	log(`  mails: ${mailed} of the file's first ${firstRows.length} rows' registrants have exactly one 健保卡網路服務-註冊成功 mail, the link carrying only a ticket`);
	return { results: { verify_ms: Math.round(ms), windows_per_s: Math.round(v.opened / (ms / 1000)) }, problems };
}

/**
 * confirm_p50_ms / confirm_p95_ms: the latency of 確定 (POST /verify until its whole answer) for
 * CONFIRM_REQUESTS registrants of the batch, one after another; each must show the seed's 網頁訊息.
 */
async function measureConfirm(client: PortalClient, fileBytes: Uint8Array, cards: readonly BenchCard[]): Promise<{ results: Results; problems: string[] }> {
	const ready = await registrantTickets(client, emailsInFile(fileBytes), cards, CONFIRM_REQUESTS);
	const problems: string[] = [];
	if (ready.length < CONFIRM_REQUESTS) problems.push(`only ${ready.length} carded registrants have a verification mail (${CONFIRM_REQUESTS} wanted)`);
	const stats = new RouteStats();
	let refused = 0;
	for (const registrant of ready) if (!(await confirmRegistrant(stats, client.origin, registrant))) refused++;
	const verify = stats.summaries().find((r) => r.route === "POST /verify");
	if (refused > 0) problems.push(`${refused} confirmations refused: ${JSON.stringify(verify?.errors ?? {})}`);
	log(
		`  ${verify?.count ?? 0} registrants confirmed (確定 = POST /verify: card proof, 600,000-iteration PBKDF2, the window's Durable Object, completion mail):` +
			` p50 ${verify?.p50 ?? 0} ms, p95 ${verify?.p95 ?? 0} ms, max ${verify?.max ?? 0} ms; ${refused} refused`,
	);
	return { results: { confirm_p50_ms: verify?.p50 ?? 0, confirm_p95_ms: verify?.p95 ?? 0 }, problems };
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<number> {
	const t0 = performance.now();
	const operatorToken = crypto.randomUUID();
	log(`Bench: ${UPLOAD_ROWS.toLocaleString("en")}-row batch import on a throw-away portal (${portal.workDir}; state on ${portal.stateKind})`);
	log(`  ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}${otherWorkerd() > 0 ? `; ${otherWorkerd()} other workerd process(es) running (tests?): figures may suffer` : ""}`);

	log("1. bundling the Worker, migrating and seeding the demo data…");
	const demo = await portal.prepare();
	const clerk = largestUnitClerk(demo);
	log(`  ${clerk.unitCode} ${clerk.unitName} (${clerk.insured.toLocaleString("en")} insured in the demo data); clerk ${maskIdNo(clerk.idNo)} ${clerk.email} — ${since(t0)}`);

	const rng = new Rng(BENCH_SEED);
	const taken = new Set(demo.people.map((p) => p.idNo));
	const members = buildRoster(rng, taken, ROSTER_MEMBERS);
	const file = buildUploadFile(rng, clerk.unitCode, members, taken, UPLOAD_ROWS);

	log("2. loading the roster…");
	await loadRoster(operatorToken, clerk.unitCode, members);
	const cards = benchCards(members);
	await portal.executeSql("cards.sql", benchCardsSql(cards));
	log(`  cards: ${cards.length} NHI cards for the first members, for the registrants who confirm in step 7`);
	const tDev = performance.now();
	const devServer = await portal.start({ OPERATOR_TOKEN: operatorToken });
	const client = new PortalClient(devServer.origin);
	log(`  a fresh wrangler dev answers at ${client.origin} after ${since(tDev)}`);
	results.rows = file.rows;

	log("3. signing in as the clerk (POST /dev/sign-in) and reading the form's CSRF token…");
	await client.signIn(clerk.idNo);
	await client.loadCsrfToken();

	const e = file.expected;
	log(
		`4. uploading ${file.fileName}: ${file.bytes.byteLength.toLocaleString("en")} bytes, ${file.rows.toLocaleString("en")} rows` +
			` (expected ${e.success} success incl. ${e.mobileRepaired} repaired mobiles; failures: ${e.byCode.NOT_INSURED} not insured,` +
			` ${e.byCode.ID_INVALID} bad checksum, ${e.byCode.EMAIL_INVALID} bad e-mail, ${e.byCode.DUPLICATE_IN_FILE} duplicates)`,
	);
	const reloadsBefore = devServer.reloads();
	if (otherWorkerd() > 0) log(`  note: ${otherWorkerd()} other workerd process(es) are running on this machine (tests?): they compete for the ${availableParallelism()} cores.`);
	const uploadStartedAt = Date.now();
	const run = await measureUploadAndImport(client, devServer, file, clerk);
	Object.assign(results, run.results);
	reportImport(run, results);

	log("6. following the verify step: the registrants' windows and mails after 入檔完畢…");
	const verification = await measureVerification(client, run.batchId, run.final, file);
	Object.assign(results, verification.results);
	await finishRun(run);
	const reloads = devServer.reloads() - reloadsBefore;
	if (reloads > 0) log(`  WARNING: wrangler dev reloaded ${reloads} time(s) during the run (wrangler.toml or web/public changed): figures are suspect.`);

	log("7. registrants confirming: 確定 on 健保卡網路服務註冊-電子信箱認證…");
	const confirm = await measureConfirm(client, file.bytes, cards);
	Object.assign(results, confirm.results);

	log("8. verifying the end state…");
	const problems = [...verification.problems, ...confirm.problems, ...(await verifyEndState(client, run.final, file, clerk, uploadStartedAt))];
	for (const problem of problems) console.error(`  FAILED: ${problem}`);
	log(`Done in ${since(t0)}; targets: ≥ 50,000 rows/s, upload < 1,000 ms, workerd < 512 MB, ≥ 200 windows/s.`);

	await portal.stop();
	console.log(JSON.stringify(results));
	return problems.length > 0 ? 1 : 0;
}

portal.run(main);
