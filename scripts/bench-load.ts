// npm run bench:load: the portal under a mixed load, on a throw-away wrangler dev seeded with the demo
// data. 50 clerks (authorized by the unit's manager through 授權管理, POST /staff) each upload a 1,000-row
// file of the unit's insured members at the same moment and follow it to 入檔完畢 as the progress page
// does (GET /batches/:id/status every second); meanwhile 200 registrants of an earlier upload confirm
// (GET /verify?ticket=…, 讀取 = POST /verify/challenge signed with their card's key, 確定 = POST /verify)
// and 100 users keep opening 健保卡註冊申請上傳紀錄查詢 (GET /batches, one second between views).
//
// Prints a table per route (requests, throughput, p50 / p95 / p99 / max latency, errors by status) and
// the checks — no 5xx, every upload reached 入檔完畢 with exactly the expected counts (none lost: the
// manager's records page counts them too), every registrant confirmed — then, as its LAST line, one JSON
// object of the figures. Exit code 1 when a check fails.
//
// Options: --clerks=50 --rows=1000 --registrants=200 (at most 300) --browsers=100 change the scale;
// --state-dir=<dir> (default /dev/shm: see scripts/lib/throwaway-portal.ts).
// Uploads still running when the 6-minute phase ends are followed afterwards with no other load (up to 4
// minutes): an upload is lost only if it never reaches 入檔完畢. The progress lines show workerd's open
// files by kind: local workerd keeps each Durable Object's SQLite open, and its ulimit -n ends a run that
// opens more objects than that allows (README "Load").
//
// Bounded: every request has a time-out, every loop a count and a deadline, the whole run --timeout-s
// (default 900). The Worker runs from a snapshot (bundle + wrangler.toml + assets), so edits saved
// meanwhile do not restart workerd. wrangler dev is stopped and its temp dir removed whatever happens.

import { readdirSync, readlinkSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { z } from "zod";
import { formatRocDate, taipeiToday } from "../workers/domain/roc-date.ts";
import { Rng, type DemoDataSet } from "./demo-data.ts";
import { type BenchCard, benchCards, benchCardsSql, CARDED_MEMBERS, confirmRegistrant, type Registrant, registrantTickets } from "./lib/bench-confirm.ts";
import { buildRoster, buildUploadFile, newIdNo, rosterSql, type Member, type UploadFile } from "./lib/bench-data.ts";
import { expectStatus, RouteStats, timedFetch, type TimedAnswer } from "./lib/load-http.ts";
import { batchStatus, PortalClient } from "./lib/portal-client.ts";
import { ThrowawayPortal } from "./lib/throwaway-portal.ts";
import { descendantsNamed } from "./lib/workerd-stats.ts";
import { sleep } from "./lib/wrangler-dev.ts";

// The issue's scale by default; --clerks / --rows / --registrants / --browsers run a smaller or larger one.
const { values: options } = parseArgs({
	options: {
		clerks: { type: "string", default: "50" },
		rows: { type: "string", default: "1000" },
		registrants: { type: "string", default: "200" },
		browsers: { type: "string", default: "100" },
		"timeout-s": { type: "string", default: "900" },
		"state-dir": { type: "string" },
	},
});
const CLERKS = Number(options.clerks);
const ROWS_PER_FILE = Number(options.rows);
const REGISTRANTS = Math.min(Number(options.registrants), CARDED_MEMBERS);
const BENCH_TIMEOUT_MS = Number(options["timeout-s"]) * 1000;
const BROWSERS = Number(options.browsers);
/** Of the browsing users, one in ten is the unit's manager (who sees all the uploads); the rest are clerks. */
const MANAGER_BROWSERS = Math.ceil(BROWSERS / 10);
/** A browsing user's pause between two views of the records page (a person reading it, then 查詢 again). */
const BROWSE_THINK_MS = 5_000;
/** The progress page's poll interval (web/public/js: the batch page polls its status endpoint). */
const STATUS_POLL_MS = 1_000;
/** Registrants do not all click at the same millisecond: each starts within this long of the upload. */
const REGISTRANT_SPREAD_MS = 10_000;
/** One request's bound; a slower answer counts as an error ("timeout"). */
const REQUEST_TIMEOUT_MS = 60_000;
/** The measured phase ends at the latest after this; uploads not ended by then are followed unloaded. */
const LOAD_TIMEOUT_MS = 6 * 60_000;
/** After the phase, an upload still not at 入檔完畢 within this long (no other load) counts as lost. */
const DRAIN_TIMEOUT_MS = 4 * 60_000;
/** Bounds on every loop, besides the deadline. */
const MAX_STATUS_POLLS = LOAD_TIMEOUT_MS / STATUS_POLL_MS;
const MAX_BROWSE_VIEWS = LOAD_TIMEOUT_MS / BROWSE_THINK_MS;
const MAX_DRAIN_POLLS = DRAIN_TIMEOUT_MS / STATUS_POLL_MS;
/** The earlier upload and its verify step (300 windows and mails) end within this. */
const PREPARE_TIMEOUT_MS = 3 * 60_000;
const LOAD_SEED = 20_261_127;
const UNIT = "110001000";

/** wrangler dev's log outlives the temp dir here, for a look after a failed run. */
const portal = new ThrowawayPortal({ name: "load", stateDir: options["state-dir"], timeoutMs: BENCH_TIMEOUT_MS, keepLog: path.join(tmpdir(), "nhi-bench-load-wrangler.log") });

/**
 * Open file descriptors of the workerd processes under wrangler dev, by kind (sockets, SQLite files of
 * D1 and the Durable Objects with their -wal / -shm, other): local workerd keeps each object's SQLite
 * open, and its RLIMIT_NOFILE (ulimit -n) is what ends a run that opens too many.
 */
function workerdOpenFiles(): string {
	if (!portal.dev) return "none";
	const kinds = new Map<string, number>();
	for (const pid of descendantsNamed(portal.dev.pid, "workerd")) {
		let fds: string[] = [];
		try {
			fds = readdirSync(`/proc/${pid}/fd`);
		} catch {
			continue; // the process ended meanwhile
		}
		for (const fd of fds) {
			let target = "";
			try {
				target = readlinkSync(`/proc/${pid}/fd/${fd}`);
			} catch {
				continue;
			}
			const kind = target.startsWith("socket:") ? "sockets" : /\.sqlite(-wal|-shm)?$/.test(target) ? "sqlite" : target.startsWith("anon_inode:") ? "anon" : "other";
			kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
		}
	}
	const total = [...kinds.values()].reduce((a, b) => a + b, 0);
	return `${total} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})`;
}

function log(line: string): void {
	console.log(line);
}

function since(t0: number): string {
	return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

function staffOf(data: DemoDataSet, role: "manager" | "clerk"): string {
	const s = data.staff.find((m) => m.unitCode === UNIT && m.role === role && m.revokedAt == null);
	if (!s) throw new Error(`the demo unit ${UNIT} has no ${role}`);
	return s.idNo;
}

// ---- setup ---------------------------------------------------------------------------------------

type Clerk = { idNo: string; name: string; email: string };

/** 授權管理: the manager authorizes the load's clerks (POST /staff, 303 back to the list each). */
async function authorizeClerks(manager: PortalClient, clerks: readonly Clerk[]): Promise<void> {
	for (const clerk of clerks) {
		const body = new URLSearchParams({ _csrf: manager.csrf, unitCode: UNIT, idNo: clerk.idNo, name: clerk.name, email: clerk.email });
		const answer = await timedFetch(null, "POST /staff", `${manager.origin}/staff`, { method: "POST", headers: manager.headers(true), body, timeoutMs: REQUEST_TIMEOUT_MS }, expectStatus(303));
		if (answer?.status !== 303) throw new Error(`authorizing a clerk (POST /staff) answered ${answer?.status ?? "nothing"}: ${answer?.text.replace(/<[^>]+>|\s+/g, " ").slice(0, 200) ?? ""}`);
	}
}

function fileName(): string {
	return `${UNIT}${formatRocDate(taipeiToday(Date.now()))}.csv`;
}

/** The earlier upload: one row per carded member, each with a mailbox address of their own. */
function registrantsFile(cards: readonly BenchCard[]): { bytes: Uint8Array<ArrayBuffer>; emails: Map<string, string> } {
	const emails = new Map<string, string>();
	const lines = ["身分證號,電子郵件,行動電話,聯絡電話"];
	cards.slice(0, CARDED_MEMBERS).forEach((card, i) => {
		const email = `registrant${i + 1}@load.example.tw`;
		emails.set(card.idNo, email);
		lines.push(`${card.idNo},${email},09${String(30_000_000 + i)},`);
	});
	return { bytes: new TextEncoder().encode(`\uFEFF${lines.join("\r\n")}\r\n`), emails };
}

function uploadForm(session: PortalClient, clerk: Clerk, fileName: string, bytes: Uint8Array<ArrayBuffer>): FormData {
	return session.uploadForm({ unitCode: UNIT, contactName: clerk.name, contactEmail: clerk.email, fileName, bytes });
}

function batchIdOf(answer: TimedAnswer | null): string | null {
	return /\/batches\/([A-Za-z0-9_-]+)$/.exec(answer?.headers.get("Location") ?? "")?.[1] ?? null;
}

/** Uploads the registrants' file as the demo clerk and waits until its verify step has mailed everyone. */
async function prepareRegistrants(origin: string, clerkIdNo: string, cards: readonly BenchCard[]): Promise<Registrant[]> {
	const session = await signedIn(origin, clerkIdNo);
	const file = registrantsFile(cards);
	const form = uploadForm(session, { idNo: clerkIdNo, name: "示範承辦人", email: "clerk1@shumei.example.tw" }, fileName(), file.bytes);
	const answer = await timedFetch(null, "POST /batches", `${origin}/batches`, { method: "POST", headers: session.headers(true), body: form, timeoutMs: REQUEST_TIMEOUT_MS }, expectStatus(303));
	const batchId = batchIdOf(answer);
	if (!batchId) throw new Error(`the registrants' upload answered ${answer?.status ?? "nothing"}`);
	const deadline = Date.now() + PREPARE_TIMEOUT_MS;
	for (;;) {
		const s = await session.status(batchId);
		if (s.status === "failed") throw new Error(`the registrants' upload failed: ${s.failureMessage ?? ""}`);
		if (s.status === "done" && s.verification && s.verification.queued === 0) {
			if (s.successCount !== CARDED_MEMBERS) throw new Error(`the registrants' upload registered ${s.successCount} of ${CARDED_MEMBERS}`);
			break;
		}
		if (Date.now() > deadline) throw new Error(`the registrants' upload is still ${s.label} after ${PREPARE_TIMEOUT_MS / 1000} s`);
		await sleep(500);
	}
	const ready = await registrantTickets(session, file.emails, cards, REGISTRANTS);
	if (ready.length < REGISTRANTS) throw new Error(`only ${ready.length} registrants have a verification mail (${REGISTRANTS} wanted)`);
	return ready;
}

/** A browser signed in as one of the staff (demo sign-in) holding the upload page's CSRF token. */
async function signedIn(origin: string, idNo: string): Promise<PortalClient> {
	const client = new PortalClient(origin);
	await client.signIn(idNo);
	await client.loadCsrfToken();
	return client;
}

/** 【共N筆資料】 on the manager's records page: every upload of the unit in the default date range. */
async function recordsTotal(manager: PortalClient): Promise<number> {
	const res = await fetch(`${manager.origin}/batches?status=all`, { headers: manager.headers(false, "text/html"), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
	const html = await res.text();
	const total = /【共(\d+)筆資料】/.exec(html)?.[1];
	if (res.status !== 200 || total === undefined) throw new Error(`GET /batches answered ${res.status} without 【共N筆資料】`);
	return Number(total);
}

// ---- the measured phase --------------------------------------------------------------------------

type Upload = {
	clerk: Clerk;
	session: PortalClient;
	file: UploadFile;
	batchId: string | null;
	final: z.infer<typeof batchStatus> | null;
	/** When the clerk's poll saw 入檔完畢 / 入檔失敗, from the start of the phase (null: not within it). */
	doneMs: number | null;
};

/** After the phase: follows the uploads that had not ended, with nothing else running, until they do. */
async function drain(uploads: readonly Upload[]): Promise<number> {
	const t0 = performance.now();
	const open = uploads.filter((u) => u.batchId && !u.final);
	for (let i = 0; i < MAX_DRAIN_POLLS && open.some((u) => !u.final); i++) {
		for (const u of open.filter((o) => !o.final)) {
			const a = await timedFetch(null, "status", `${u.session.origin}/batches/${u.batchId}/status`, { headers: u.session.headers(false, "application/json"), timeoutMs: REQUEST_TIMEOUT_MS }, expectStatus(200));
			if (a?.status !== 200) continue;
			const s = batchStatus.parse(JSON.parse(a.text));
			if (s.status === "done" || s.status === "failed") u.final = s;
		}
		await sleep(STATUS_POLL_MS);
	}
	return performance.now() - t0;
}

/** A clerk: 上傳, then the progress page's polls until 入檔完畢 / 入檔失敗. */
async function clerkRun(stats: RouteStats, upload: Upload, start: number, deadline: number): Promise<void> {
	const { session } = upload;
	const form = uploadForm(session, upload.clerk, upload.file.fileName, upload.file.bytes);
	const answer = await timedFetch(stats, "POST /batches", `${session.origin}/batches`, { method: "POST", headers: session.headers(true), body: form, timeoutMs: REQUEST_TIMEOUT_MS }, (a) =>
		a.status === 303 && batchIdOf(a) ? null : String(a.status),
	);
	upload.batchId = batchIdOf(answer);
	if (!upload.batchId) return;
	for (let i = 0; i < MAX_STATUS_POLLS && Date.now() < deadline; i++) {
		await sleep(STATUS_POLL_MS);
		const a = await timedFetch(stats, "GET /batches/:id/status", `${session.origin}/batches/${upload.batchId}/status`, { headers: session.headers(false, "application/json"), timeoutMs: REQUEST_TIMEOUT_MS }, expectStatus(200));
		if (a?.status !== 200) continue;
		const s = batchStatus.parse(JSON.parse(a.text));
		if (s.status === "done" || s.status === "failed") {
			upload.final = s;
			upload.doneMs = performance.now() - start;
			return;
		}
	}
}

/** A registrant: the mail's link, 讀取 with their card, 確定, after `delayMs`. Resolves true when the 網頁訊息 says confirmed. */
async function registrantRun(stats: RouteStats, origin: string, registrant: Registrant, delayMs: number): Promise<boolean> {
	await sleep(delayMs);
	return confirmRegistrant(stats, origin, registrant);
}

/** A user on 健保卡註冊申請上傳紀錄查詢: a view, a pause, until told to stop. */
async function browserRun(stats: RouteStats, session: PortalClient, rng: Rng, until: () => boolean, deadline: number): Promise<void> {
	await sleep(rng.int(0, BROWSE_THINK_MS));
	for (let i = 0; i < MAX_BROWSE_VIEWS && !until() && Date.now() < deadline; i++) {
		await timedFetch(stats, "GET /batches", `${session.origin}/batches`, { headers: session.headers(false, "text/html"), timeoutMs: REQUEST_TIMEOUT_MS }, (a) =>
			a.status === 200 && a.text.includes("筆資料】") ? null : String(a.status),
		);
		await sleep(BROWSE_THINK_MS + rng.int(-200, 200));
	}
}

// ---- main ----------------------------------------------------------------------------------------

async function main(): Promise<number> {
	const t0 = performance.now();
	const otherWorkerd = descendantsNamed(0, "workerd").length;
	log(`Load bench: ${CLERKS} clerks uploading ${ROWS_PER_FILE.toLocaleString("en")}-row files at once, ${REGISTRANTS} registrants confirming, ${BROWSERS} users on the records page (${portal.workDir}; state on ${portal.stateKind})`);
	log(`  ${availableParallelism()} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}${otherWorkerd > 0 ? `; ${otherWorkerd} other workerd process(es) running (tests?): figures may suffer` : ""}`);

	log("1. bundling the Worker, migrating and seeding the demo data, the roster and the registrants' cards…");
	const demo = await portal.prepare();
	const rng = new Rng(LOAD_SEED);
	const taken = new Set(demo.people.map((p) => p.idNo));
	const members: Member[] = buildRoster(rng, taken, CARDED_MEMBERS + CLERKS * ROWS_PER_FILE);
	const cards = benchCards(members);
	await portal.executeSql("roster.sql", rosterSql(UNIT, members) + benchCardsSql(cards));
	log(`  ${members.length.toLocaleString("en")} insured members of ${UNIT}, ${cards.length} cards — ${since(t0)}`);

	const { origin } = await portal.start({ OPERATOR_TOKEN: crypto.randomUUID() });
	log(`  wrangler dev answers at ${origin} — ${since(t0)}`);

	log(`2. the manager authorizes ${CLERKS} clerks through 授權管理 (POST /staff)…`);
	const manager = await signedIn(origin, staffOf(demo, "manager"));
	const clerks: Clerk[] = Array.from({ length: CLERKS }, (_, i) => ({ idNo: newIdNo(rng, taken), name: `負載承辦${String(i + 1).padStart(2, "0")}`, email: `clerk${i + 1}@load.example.tw` }));
	await authorizeClerks(manager, clerks);

	log(`3. an earlier upload of ${CARDED_MEMBERS} carded members, followed until every verification mail is out…`);
	const registrants = await prepareRegistrants(origin, staffOf(demo, "clerk"), cards);
	log(`  ${registrants.length} registrants hold a verification mail and their card — ${since(t0)}`);

	log(`4. signing in ${CLERKS} clerks and ${BROWSERS} browsing users (POST /dev/sign-in), building the files…`);
	const uploads: Upload[] = [];
	for (const [i, clerk] of clerks.entries()) {
		const session = await signedIn(origin, clerk.idNo);
		const slice = members.slice(CARDED_MEMBERS + i * ROWS_PER_FILE, CARDED_MEMBERS + (i + 1) * ROWS_PER_FILE);
		uploads.push({ clerk, session, file: buildUploadFile(rng, UNIT, slice, taken, ROWS_PER_FILE), batchId: null, final: null, doneMs: null });
	}
	const browsers: PortalClient[] = [];
	for (let i = 0; i < BROWSERS; i++) browsers.push(await signedIn(origin, i < MANAGER_BROWSERS ? staffOf(demo, "manager") : (clerks[i % CLERKS]?.idNo ?? "")));
	const recordsBefore = await recordsTotal(manager);

	log(`5. load: ${CLERKS} uploads at once + ${REGISTRANTS} confirmations + ${BROWSERS} users on GET /batches…`);
	const stats = new RouteStats();
	const deadline = Date.now() + LOAD_TIMEOUT_MS;
	let writersDone = false;
	stats.start();
	const phase0 = performance.now();
	const browsing = browsers.map((s) => browserRun(stats, s, rng, () => writersDone, deadline));
	const writers = Promise.all([
		Promise.all(uploads.map((u) => clerkRun(stats, u, phase0, deadline))),
		Promise.all(registrants.map((r) => registrantRun(stats, origin, r, rng.int(0, REGISTRANT_SPREAD_MS)))),
	]);
	const progress = setInterval(() => {
		const done = uploads.filter((u) => u.final).length;
		log(`  … ${since(phase0)}: ${done}/${CLERKS} uploads ended, ${stats.summaries().find((s) => s.route === "POST /verify")?.count ?? 0}/${REGISTRANTS} 確定 answered, ${stats.serverErrors()} 5xx so far, workerd holds ${workerdOpenFiles()} open files`);
	}, 15_000);
	const [, confirmedFlags] = await writers;
	writersDone = true;
	await Promise.all(browsing);
	clearInterval(progress);
	stats.stop();
	log(`  the phase took ${since(phase0)}`);

	log("\n" + stats.table() + "\n");
	const unfinished = uploads.filter((u) => u.batchId && !u.final).length;
	if (unfinished > 0) {
		log(`  ${unfinished} uploads had not reached 入檔完畢 when the phase ended: following them with no other load…`);
		const ms = await drain(uploads);
		log(`  … ${uploads.filter((u) => u.final).length}/${CLERKS} ended ${(ms / 1000).toFixed(1)} s later`);
	}

	log("6. checks…");
	const problems: string[] = [];
	const serverErrors = stats.serverErrors();
	if (serverErrors > 0) problems.push(`${serverErrors} answers with a 5xx status`);
	let lost = 0;
	let rowsDone = 0;
	for (const u of uploads) {
		const e = u.file.expected;
		if (!u.batchId) {
			lost++;
			problems.push(`${u.clerk.email}: the upload got no batch (no 303)`);
		} else if (!u.final) {
			lost++;
			problems.push(`${u.clerk.email}: batch ${u.batchId} not ended within ${(LOAD_TIMEOUT_MS + DRAIN_TIMEOUT_MS) / 1000} s`);
		} else if (u.final.status !== "done") {
			lost++;
			problems.push(`${u.clerk.email}: batch ${u.batchId} ${u.final.label}`);
		} else if (u.final.totalRows !== u.file.rows || u.final.successCount !== e.success || u.final.failureCount !== e.failed) {
			problems.push(`${u.clerk.email}: ${u.final.totalRows} rows, ${u.final.successCount} / ${u.final.failureCount}; expected ${u.file.rows}, ${e.success} / ${e.failed}`);
		} else rowsDone += u.final.totalRows;
	}
	const recordsAfter = await recordsTotal(manager);
	if (recordsAfter - recordsBefore !== CLERKS) problems.push(`the manager's records page counts ${recordsAfter - recordsBefore} new uploads, not ${CLERKS}`);
	const confirmed = confirmedFlags.filter(Boolean).length;
	if (confirmed !== REGISTRANTS) problems.push(`${confirmed} of ${REGISTRANTS} registrants confirmed`);
	const doneTimes = uploads.flatMap((u) => (u.doneMs === null ? [] : [u.doneMs])).sort((a, b) => a - b);
	const doneUnderLoad = doneTimes.length;
	const exact = uploads.filter((u) => u.final?.status === "done").length;
	log(`  uploads: ${exact}/${CLERKS} reached 入檔完畢, ${lost} lost; ${rowsDone.toLocaleString("en")} rows with exactly the expected success / failure counts; the manager's records page: ${recordsBefore} → ${recordsAfter} uploads`);
	log(
		`  ${doneUnderLoad}/${CLERKS} uploads reached 入檔完畢 during the phase` +
			(doneUnderLoad > 0 ? `, seen by their clerks ${Math.round((doneTimes[0] ?? 0) / 1000)}–${Math.round((doneTimes.at(-1) ?? 0) / 1000)} s after the uploads started` : ""),
	);
	log(`  registrants: ${confirmed}/${REGISTRANTS} confirmed; 5xx answers: ${serverErrors}`);
	for (const p of problems) console.error(`  FAILED: ${p}`);
	log(`Done in ${since(t0)}.`);
	await portal.stop();
	const routes = Object.fromEntries(stats.summaries().map((s) => [s.route, { n: s.count, rps: s.perSecond, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, errors: s.errors }]));
	console.log(
		JSON.stringify({
			clerks: CLERKS,
			rows_per_file: ROWS_PER_FILE,
			registrants: REGISTRANTS,
			browsers: BROWSERS,
			phase_s: Math.round(stats.durationMs() / 100) / 10,
			uploads_done: exact,
			uploads_done_under_load: doneUnderLoad,
			uploads_lost: lost,
			last_done_s: Math.round((doneTimes.at(-1) ?? 0) / 100) / 10,
			confirmed,
			http_5xx: serverErrors,
			routes,
		}),
	);
	return problems.length > 0 ? 1 : 0;
}

portal.run(main);
