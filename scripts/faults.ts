// npm run test:faults: crash recovery. A throw-away portal (wrangler dev, its own --persist-to dir), seeded
// with the demo data and a roster for the demo's largest unit; a clerk uploads a 20,000-row file and the
// runtime (the whole wrangler/workerd process group) is SIGKILLed at random moments of each of the
// pipeline's steps (parse, register — which also runs the checks against D1, in the same transaction —,
// notify, verify; read from the object's state row, as the bench traces it), then restarted on the same
// persist dir, at least 5 times. The steps are quick (parse of 20,000 rows ~0.1 s, notify ~20 ms): when
// the pipeline outran a target step, the clerk uploads another file (20,000 rows, other members) and the
// kill is tried on that batch. At the end local D1 must show, for every batch, the exact counts, one
// pending registration, one verification mail and one opened hand-off with an unspent ticket per
// registrant, and one clerk result mail. Then a few registrants' 確定 (POST /verify) are
// cut off by a kill right after the request is written: after a restart each registration is verified
// with credentials and a spent ticket, or pending with neither — never half.
//
// Options: --seed=N (replay; printed at the start), --kills=N (default 6), --timeout-s=900, --state-dir=<dir>
// (default /dev/shm, as the benches: a SIGKILL leaves files there exactly as on a disk; see lib/throwaway-portal.ts).

import { request } from "node:http";
import { parseArgs } from "node:util";
import { Rng } from "./demo-data.ts";
import { benchCards, benchCardsSql, confirmForm, emailsInFile, registrantTickets, type BenchCard } from "./lib/bench-confirm.ts";
import { buildRoster, buildUploadFile, rosterSql } from "./lib/bench-data.ts";
import { PipelineTracer } from "./lib/pipeline-trace.ts";
import { PortalClient } from "./lib/portal-client.ts";
import { largestUnitClerk, ThrowawayPortal } from "./lib/throwaway-portal.ts";
import { sleep, type WranglerDev } from "./lib/wrangler-dev.ts";

const ROWS = 20_000;
/** Further batches (as large as the first, other members), uploaded when the pipeline outran a target step. */
const MAX_RETRY_BATCHES = 4;
const STEPS = ["parse", "register", "notify", "verify"] as const;
type Step = (typeof STEPS)[number];
/**
 * How long after a step is seen to wait before the kill, at most: the step's usual length on this
 * machine, so the kill lands inside it at a random point (parse of 20,000 rows ~100 ms, a register chunk
 * ~170 ms, notify ~20 ms, a verify wave of 1,000 windows several seconds).
 */
const KILL_DELAY_MS: Record<Step, number> = { parse: 60, register: 200, notify: 8, verify: 3_000 };
const CONFIRM_DELAYS_MS = [0, 30, 150, 600];
const RESUME_TIMEOUT_MS = 120_000;

const { values: options } = parseArgs({
	options: { seed: { type: "string" }, kills: { type: "string", default: "6" }, "timeout-s": { type: "string", default: "900" }, "state-dir": { type: "string" } },
});
const seed = options.seed !== undefined ? Number(options.seed) : Math.floor(Math.random() * 2 ** 31);
const KILLS = Math.max(5, Number(options.kills));
const TIMEOUT_MS = Number(options["timeout-s"]) * 1000;

const portal = new ThrowawayPortal({ name: "faults", stateDir: options["state-dir"], timeoutMs: TIMEOUT_MS });
portal.onTeardown((code) => {
	if (code !== 0) console.error(`(replay with --seed=${seed})`);
});
const problems: string[] = [];
const killsByStep: Record<string, number> = {};
let restarts = 0;

function log(line: string): void {
	console.log(line);
}

/** The first number of one query's first row against local D1 (wrangler dev must not run meanwhile). */
async function one(sql: string): Promise<number> {
	const row = (await portal.query(sql))[0] ?? {};
	return Number(Object.values(row)[0] ?? Number.NaN);
}

/** SIGKILL to the whole process group (wrangler, workerd), no grace: a crash. */
async function crash(): Promise<void> {
	portal.crash();
	await sleep(300);
}

async function restart(): Promise<WranglerDev> {
	restarts++;
	return portal.start();
}

function currentStep(tracer: PipelineTracer): string {
	return tracer.snapshot().steps.at(-1)?.step ?? "";
}

/** A batch under test: its tracer and what its file should come to. */
type TestBatch = { id: string; tracer: PipelineTracer; expected: { success: number; failed: number }; rows: number; fresh: boolean };

/** Polls the status endpoint until the batch is done and no hand-off is queued. */
async function waitUntilSettled(client: PortalClient, batch: TestBatch): Promise<void> {
	// A stall timeout, not a flat one: on a loaded machine the verify waves are slow but must keep moving.
	let deadline = Date.now() + RESUME_TIMEOUT_MS;
	let opened = -1;
	for (;;) {
		const s = await client.status(batch.id).catch(() => null);
		if (s?.verification && s.verification.opened !== opened) {
			opened = s.verification.opened;
			deadline = Date.now() + RESUME_TIMEOUT_MS;
			log(`    ${batch.id}: status ${s.status}, step ${currentStep(batch.tracer)}, ${JSON.stringify(s.verification)}`);
		}
		if (s?.status === "failed") throw new Error(`batch failed (入檔失敗): ${s.failureMessage ?? ""}`);
		if (s?.status === "done" && s.verification?.queued === 0 && currentStep(batch.tracer) === "done") return;
		if (Date.now() > deadline) throw new Error(`batch ${batch.id} made no progress for ${RESUME_TIMEOUT_MS / 1000} s after the last restart (status ${s?.status ?? "?"}, step ${currentStep(batch.tracer)}, ${JSON.stringify(s?.verification ?? null)})`);
		await sleep(200);
	}
}

/**
 * Kills the runtime inside each step at least once and KILLS times in all. `upload` starts a new batch
 * (when the current one is past the step to hit); each kill is followed by a restart on the same state.
 */
async function killDuringPipeline(
	signedIn: PortalClient,
	first: TestBatch,
	upload: (client: PortalClient) => Promise<TestBatch>,
	rng: Rng,
): Promise<{ client: PortalClient; batches: TestBatch[] }> {
	let client = signedIn;
	const batches = [first];
	const targets: Step[] = [...STEPS];
	while (targets.length < KILLS) targets.push(rng.pick(STEPS));
	let kills = 0;
	for (let i = 0; i < targets.length; i++) {
		const target = targets[i] as Step;
		let batch = batches.at(-1) as TestBatch;
		const want = STEPS.indexOf(target);
		const past = (step: string) => step === "done" || STEPS.indexOf(step as Step) > want;
		// parse starts as the upload is answered, so it is hit on a fresh batch, timed from the upload.
		const needsNew = target === "parse" ? !batch.fresh : past(currentStep(batch.tracer));
		if (needsNew) {
			if (batches.length > MAX_RETRY_BATCHES) {
				log(`  no kill during ${target}: ${MAX_RETRY_BATCHES} further batches all outran it`);
				continue;
			}
			batch = await upload(client);
			batches.push(batch);
		}
		if (target !== "parse") {
			// Wait for the target step, then a random moment within its usual length.
			const deadline = Date.now() + 60_000;
			while (STEPS.indexOf(currentStep(batch.tracer) as Step) < want && !past(currentStep(batch.tracer)) && Date.now() < deadline) await sleep(1);
		}
		batch.fresh = false;
		await sleep(rng.int(0, KILL_DELAY_MS[target]));
		await crash();
		// Where the object died: its persisted state, read after the kill (the tracer keeps reading the file).
		await sleep(50);
		const last = batch.tracer.snapshot().steps.at(-1);
		const at = last?.step ?? "parse";
		if (at === target) {
			kills++;
			killsByStep[at] = (killsByStep[at] ?? 0) + 1;
			log(`  kill ${kills}: SIGKILL during ${at} of ${batch.id} (cursor ${last?.cursor ?? 0}/${last?.chunkCount ?? 0}); restarting…`);
		} else {
			// Outran it (or not there yet): try the same step again, on a new batch when this one is past it.
			log(`  SIGKILL meant for ${target} of ${batch.id} landed in ${at}; restarting and trying again`);
			if (at !== "done" && STEPS.includes(at as Step)) {
				kills++;
				killsByStep[at] = (killsByStep[at] ?? 0) + 1;
			}
			targets.splice(i + 1, 0, target);
		}
		client = new PortalClient((await restart()).origin);
		await client.signIn(signedInAs);
		await client.loadCsrfToken();
		// Does the object resume by itself (alarm), without being touched? Watch the trace for a while.
		const before = JSON.stringify(batch.tracer.snapshot().steps.at(-1) ?? null);
		const t0 = Date.now();
		while (Date.now() - t0 < 3_000 && JSON.stringify(batch.tracer.snapshot().steps.at(-1) ?? null) === before) await sleep(20);
		const resumedAlone = JSON.stringify(batch.tracer.snapshot().steps.at(-1) ?? null) !== before;
		log(`    restarted (${restarts}); the object ${resumedAlone ? "resumed by itself" : "did not move within 3 s (its alarm may come later)"}`);
		if (!resumedAlone) untouchedStalls++;
		if (kills >= KILLS && STEPS.every((st) => (killsByStep[st] ?? 0) > 0)) break;
		if (targets.length > KILLS + 3 * MAX_RETRY_BATCHES) break;
	}
	return { client, batches };
}

let signedInAs = "";
let untouchedStalls = 0;

async function checkEndState(batchId: string, rows: number, expectedSuccess: number, expectedFailure: number): Promise<void> {
	const q = batchId.replace(/'/g, "");
	const [batch] = await portal.query(`SELECT status, total_rows, success_count, failure_count FROM batches WHERE id = '${q}'`);
	log(`  batch: ${JSON.stringify(batch)}`);
	if (batch?.status !== "done") problems.push(`batch status ${String(batch?.status)}, not done`);
	if (Number(batch?.success_count) !== expectedSuccess) problems.push(`success_count ${String(batch?.success_count)} ≠ expected ${expectedSuccess}`);
	if (Number(batch?.failure_count) !== expectedFailure) problems.push(`failure_count ${String(batch?.failure_count)} ≠ expected ${expectedFailure}`);
	const checks: [string, string, number][] = [
		["batch_rows", `SELECT COUNT(*) FROM batch_rows WHERE batch_id = '${q}'`, rows],
		["registrations of the batch", `SELECT COUNT(*) FROM registrations WHERE batch_id = '${q}'`, expectedSuccess],
		["pending registrations of the batch", `SELECT COUNT(*) FROM registrations WHERE batch_id = '${q}' AND status = 'pending'`, expectedSuccess],
		["verification mails (verify:<batch>:*)", `SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE 'verify:${q}:%'`, expectedSuccess],
		[
			"registrations with exactly one verification mail",
			`SELECT COUNT(*) FROM registrations r WHERE r.batch_id = '${q}' AND (SELECT COUNT(*) FROM mail_outbox m WHERE m.idempotency_key = 'verify:${q}:' || r.id) = 1`,
			expectedSuccess,
		],
		["clerk result mails (batch-result:<batch>)", `SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key = 'batch-result:${q}'`, 1],
		["opened hand-offs", `SELECT COUNT(*) FROM verification_handoffs WHERE batch_id = '${q}' AND state = 'opened'`, expectedSuccess],
		["hand-offs not opened", `SELECT COUNT(*) FROM verification_handoffs WHERE batch_id = '${q}' AND state <> 'opened'`, 0],
		[
			"registrations with an opened hand-off and an unspent ticket",
			`SELECT COUNT(*) FROM registrations r WHERE r.batch_id = '${q}' AND EXISTS (SELECT 1 FROM verification_handoffs h WHERE h.batch_id = '${q}' AND h.registration_id = r.id AND h.state = 'opened') AND EXISTS (SELECT 1 FROM verification_tickets t WHERE t.registration_id = r.id AND t.batch_id = '${q}' AND t.spent_at IS NULL)`,
			expectedSuccess,
		],
	];
	for (const [what, sql, want] of checks) {
		const got = await one(sql);
		log(`  ${what}: ${got}${got === want ? "" : ` ≠ ${want}`}`);
		if (got !== want) problems.push(`${what}: ${got}, expected ${want}`);
	}
}

/** POST /verify by hand (node:http), SIGKILL `delayMs` after the request is written, before the reply. */
function postAndKill(origin: string, cookie: string, body: string, delayMs: number): Promise<string> {
	return new Promise((resolve) => {
		const url = new URL("/verify", origin);
		const req = request(
			{ host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { Origin: origin, Cookie: cookie, "Content-Type": "application/x-www-form-urlencoded", "Content-Length": Buffer.byteLength(body) } },
			(res) => {
				res.resume();
				resolve(`answered ${res.statusCode ?? 0} before the kill`);
			},
		);
		req.on("error", () => resolve("cut off"));
		req.on("finish", () => {
			setTimeout(() => {
				void crash().then(() => resolve("killed"));
			}, delayMs);
		});
		req.end(body);
	});
}

async function confirmKills(batchId: string, cards: readonly BenchCard[], fileBytes: Uint8Array): Promise<void> {
	const q = batchId.replace(/'/g, "");
	const emails = emailsInFile(fileBytes);
	let used = 0;
	for (const delay of CONFIRM_DELAYS_MS) {
		const client = new PortalClient((portal.dev ?? (await restart())).origin);
		await client.signIn(signedInAs);
		// The next carded registrant of this batch with a verification mail.
		const [chosen] = await registrantTickets(client, emails, cards.slice(used), 1);
		used = chosen ? cards.indexOf(chosen.card) + 1 : cards.length;
		const form = chosen && (await confirmForm(null, client.origin, chosen));
		if (!chosen || !form) {
			problems.push("no carded registrant with a verification mail left for the confirm kill");
			return;
		}
		const outcome = await postAndKill(client.origin, form.cookie, form.body.toString(), delay);
		await crash(); // if it answered first, stop anyway: D1 is read with wrangler d1 execute
		// A restart lets workerd replay/settle whatever it would on start-up, then stop it to read D1.
		await restart();
		await sleep(1_000);
		await portal.stop();
		const idNo = chosen.card.idNo.replace(/'/g, "");
		const [reg] = await portal.query(`SELECT id, status FROM registrations WHERE id_no = '${idNo}' AND batch_id = '${q}'`);
		const creds = await one(`SELECT COUNT(*) FROM credentials WHERE id_no = '${idNo}'`);
		const regId = String(reg?.id ?? "").replace(/'/g, "");
		const spent = await one(`SELECT COUNT(*) FROM verification_tickets WHERE registration_id = '${regId}' AND spent_at IS NOT NULL`);
		const unspent = await one(`SELECT COUNT(*) FROM verification_tickets WHERE registration_id = '${regId}' AND spent_at IS NULL`);
		const state = `${String(reg?.status)}, ${creds} credentials row(s), ${spent} spent / ${unspent} unspent ticket(s)`;
		const whole = (reg?.status === "verified" && creds === 1 && spent >= 1) || (reg?.status === "pending" && creds === 0 && spent === 0 && unspent >= 1);
		log(`  confirm kill ${delay} ms after the request was written (${outcome}): ${state} — ${whole ? "whole" : "HALF"}`);
		if (!whole) problems.push(`confirm cut off at +${delay} ms left the registration half done: ${state}`);
	}
}

async function main(): Promise<number> {
	const t0 = performance.now();
	log(`Crash recovery: ${ROWS.toLocaleString("en")}-row upload, ≥ ${KILLS} kills — seed ${seed} (replay with --seed=${seed}); ${portal.workDir} (${portal.stateKind})`);
	log("1. bundling the Worker, migrating and seeding…");
	const demo = await portal.prepare();
	const clerk = largestUnitClerk(demo);
	const rng = new Rng(seed);
	const taken = new Set(demo.people.map((p) => p.idNo));
	// Members for the first file and for each further one: no two batches share a person.
	const members = buildRoster(rng, taken, ROWS * (1 + MAX_RETRY_BATCHES));
	const file = buildUploadFile(rng, clerk.unitCode, members.slice(0, ROWS), taken, ROWS);
	const cards = benchCards(members);
	await portal.executeSql("roster.sql", rosterSql(clerk.unitCode, members) + benchCardsSql(cards));
	const e = file.expected;
	log(`  roster ${members.length} members for ${clerk.unitCode}; file: expected ${e.success} success, ${e.failed} failures (${JSON.stringify(e.byCode)})`);

	let uploads = 0;
	const upload = async (client: PortalClient, f = buildUploadFile(rng, clerk.unitCode, members.slice(uploads * ROWS), taken, ROWS)): Promise<TestBatch> => {
		uploads++;
		const id = await client.upload({ unitCode: clerk.unitCode, contactName: clerk.name, contactEmail: clerk.email, fileName: f.fileName, bytes: f.bytes });
		const tracer = new PipelineTracer(portal.persistTo, id);
		tracer.start(1);
		log(`  batch ${id}: ${f.rows.toLocaleString("en")} rows`);
		return { id, tracer, expected: f.expected, rows: f.rows, fresh: true };
	};

	log("2. starting wrangler dev, signing in as the clerk, uploading…");
	const portal0 = new PortalClient((await portal.start()).origin);
	signedInAs = clerk.idNo;
	await portal0.signIn(clerk.idNo);
	await portal0.loadCsrfToken();
	const first = await upload(portal0, file);

	log("3. killing the runtime during the pipeline…");
	const { client, batches } = await killDuringPipeline(portal0, first, upload, rng);
	const kills = Object.values(killsByStep).reduce((a, b) => a + b, 0);
	if (kills < 5) problems.push(`only ${kills} kills landed`);
	for (const step of STEPS) if (!killsByStep[step]) problems.push(`no kill landed during ${step}`);
	for (const batch of batches) await waitUntilSettled(client, batch);
	for (const batch of batches) batch.tracer.stop();
	log(`  ${batches.length} batch(es) settled after ${restarts} restarts`);
	await portal.stop();

	log("4. checking local D1…");
	for (const batch of batches) await checkEndState(batch.id, batch.rows, batch.expected.success, batch.expected.failed);
	const clerkMails = await one(`SELECT COUNT(*) FROM mail_outbox WHERE idempotency_key LIKE 'batch-result:%'`);
	if (clerkMails !== batches.length) problems.push(`${clerkMails} clerk result mails in the outbox (to ${clerk.email}), expected ${batches.length}`);

	log("5. killing the runtime between a confirm POST and its reply…");
	await confirmKills(first.id, cards, file.bytes);

	log(`Summary: kills by step ${JSON.stringify(killsByStep)} (${kills} in all) + ${CONFIRM_DELAYS_MS.length} confirm kills; ${restarts} restarts; ${untouchedStalls} restart(s) where the object did not move by itself within 3 s; ${((performance.now() - t0) / 1000).toFixed(1)} s; seed ${seed}`);
	for (const p of problems) console.error(`  FAILED: ${p}`);
	log(problems.length === 0 ? "OK" : `${problems.length} violation(s)`);
	return problems.length === 0 ? 0 : 1;
}

portal.run(main);
