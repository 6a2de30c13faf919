// One measured run of `npm run bench` on a fresh copy of the prepared state: the check (檢查檔案, when the
// portal has it), the upload, the import to 入檔完畢, the verify step's windows and mails, and, when asked,
// registrants confirming — each figure with the checks that make it count (exact counts, the clerk's
// mail, one verification mail per registrant whose link carries only a ticket). The status endpoint is
// polled throughout, as the clerk's progress page does; its answers are the run's status latencies.

import { maskIdNo } from "../../workers/domain/mask.ts";
import { VERIFICATION_MAIL_SUBJECT } from "../../workers/services/verification-mail.ts";
import { type BenchCard, confirmRegistrant, emailsInFile, registrantTickets } from "./bench-confirm.ts";
import type { UploadFile } from "./bench-data.ts";
import { percentile, round1, RouteStats, timedFetch } from "./load-http.ts";
import { PipelineTracer, stepTimings } from "./pipeline-trace.ts";
import { type BatchStatus, PortalClient, type UploadForm } from "./portal-client.ts";
import type { DemoClerk } from "./throwaway-portal.ts";
import { WorkerdSampler } from "./workerd-stats.ts";
import { sleep, type WranglerDev } from "./wrangler-dev.ts";

/** 檢查檔案（不入檔）, issue 12.1: the same form as the upload, answered without registering anything. */
const CHECK_PATH = "/batches/check";
/** The progress page's poll during the import: as often as the portal answers (a short pause between). */
const IMPORT_POLL_MS = 50;
/** During the verify step: the progress page's own interval. */
const VERIFY_POLL_MS = 1_000;
/** How often workerd's RSS and the pipeline's state row are read (cheap: /proc and one SQLite read). */
const SAMPLE_MS = 50;
const TRACE_MS = 10;
const IMPORT_TIMEOUT_MS = 5 * 60_000;
/** After 入檔完畢, the verify step must move on at least once in this long, or the run fails. */
const VERIFY_STALL_MS = 60_000;
/** How many registrants confirm (one 確定 after another). */
const CONFIRM_REQUESTS = 200;

export type RunFigures = Record<string, number | null>;
export type RunResult = { figures: RunFigures; statusMs: number[]; problems: string[] };
export type RunInput = { dev: WranglerDev; persistTo: string; clerk: DemoClerk; file: UploadFile; cards: readonly BenchCard[]; confirm: boolean; log: (line: string) => void };

export async function benchRun({ dev, persistTo, clerk, file, cards, confirm, log }: RunInput): Promise<RunResult> {
	const client = new PortalClient(dev.origin);
	await client.signIn(clerk.idNo);
	await client.loadCsrfToken();
	const form = { unitCode: clerk.unitCode, contactName: clerk.name, contactEmail: clerk.email, fileName: file.fileName, bytes: file.bytes };
	const check = await timeCheck(client, form);
	const checkMs = check.status !== null && check.status < 400 ? check.ms : null;
	log(`  check (POST ${CHECK_PATH}): ${checkMs === null ? `answered ${check.status ?? "nothing"}, not timed (not in the portal yet?)` : `${checkMs} ms`}`);

	const workerd = new WorkerdSampler(dev.pid);
	workerd.start(SAMPLE_MS);
	const uploadedAt = Date.now();
	const t0 = performance.now();
	const batchId = await client.upload(form);
	const accepted = performance.now();
	const tracer = new PipelineTracer(persistTo, batchId);
	tracer.start(TRACE_MS);
	const importPolls = await pollStatus(client, batchId, IMPORT_POLL_MS, (s, at) => {
		if (at - accepted > IMPORT_TIMEOUT_MS) throw new Error(`batch still ${s.label} (${s.rowsDone}/${s.totalRows}) after ${IMPORT_TIMEOUT_MS / 1000} s`);
		return s.status === "done" || s.status === "failed";
	});
	const final = importPolls.last;
	if (final.status === "failed") throw new Error(`batch failed (入檔失敗): ${final.failureMessage ?? "no message"}`);
	// The batch record's 入檔完畢, read out of band: the status endpoint may answer late while the import runs.
	const doneAt = tracer.statusAt("done") ?? performance.now();
	const importMs = doneAt - accepted;
	const steps = stepTimings(tracer.snapshot().steps, accepted, doneAt).filter((s) => s.startMs <= importMs);
	log(`  upload ${Math.round(accepted - t0)} ms; 入檔完畢 ${Math.round(importMs)} ms after the 303 (${Math.round(file.rows / (importMs / 1000)).toLocaleString("en")} rows/s)`);
	log(`  the object's steps: ${steps.map((s) => `${s.step} ${Math.round(s.ms)} ms${s.chunks > 1 ? ` (${s.chunks} chunks)` : ""}`).join(" → ") || "not traced"}`);
	log(`  status polls during the import: ${latencies(importPolls.ms)}`);

	let opened = -1;
	let progressAt = performance.now();
	const verifyPolls = await pollStatus(client, batchId, VERIFY_POLL_MS, (s, at) => {
		const v = s.verification;
		if (!v) throw new Error("GET /batches/:id/status has no verification counts");
		if (v.opened !== opened) [opened, progressAt] = [v.opened, at];
		if (at - progressAt > VERIFY_STALL_MS) throw new Error(`the verify step made no progress for ${VERIFY_STALL_MS / 1000} s (${v.opened} opened, ${v.queued} queued)`);
		// The object's last wave finds no hand-off queued and steps to done.
		return v.queued === 0;
	});
	const verifyEnd = performance.now();
	workerd.stop();
	tracer.stop();
	const verifyMs = verifyEnd - doneAt;
	const v = verifyPolls.last.verification ?? { queued: 0, opened: 0, superseded: 0 };
	const peak = (from: number, to: number) => round1(Math.max(0, ...workerd.stats(from, to).peakRssMbByPid.values()));
	log(`  ${v.opened.toLocaleString("en")} windows opened and mailed in ${(verifyMs / 1000).toFixed(1)} s after 入檔完畢; status polls meanwhile: ${latencies(verifyPolls.ms)}`);

	const figures: RunFigures = {
		check_ms: checkMs,
		upload_ms: Math.round(accepted - t0),
		import_ms: Math.round(importMs),
		rows_per_s: Math.round(file.rows / (importMs / 1000)),
		// The largest workerd runs the Worker, its objects and local D1; wrangler's proxy workerd is not production.
		peak_rss_mb: peak(t0, doneAt),
		verify_ms: Math.round(verifyMs),
		windows_per_s: Math.round(v.opened / (verifyMs / 1000)),
		verify_peak_rss_mb: peak(doneAt, verifyEnd),
	};
	const problems = [...(await checkEndState(client, final, v, file, clerk, uploadedAt))];
	if (confirm) {
		const confirmed = await measureConfirm(client, file.bytes, cards, log);
		Object.assign(figures, confirmed.figures);
		problems.push(...confirmed.problems);
	}
	return { figures, statusMs: [...importPolls.ms, ...verifyPolls.ms], problems };
}

/** POST of the check with the upload's form: its status and time. */
async function timeCheck(client: PortalClient, form: UploadForm): Promise<{ status: number | null; ms: number }> {
	const body = client.uploadForm(form);
	const stats = new RouteStats();
	const answer = await timedFetch(stats, "check", `${client.origin}${CHECK_PATH}`, { method: "POST", headers: client.headers(true), body, timeoutMs: 60_000 }, () => null);
	return { status: answer?.status ?? null, ms: stats.summaries()[0]?.max ?? 0 };
}

/** Polls GET /batches/:id/status every `everyMs` until `done` says so; every answer's latency. */
async function pollStatus(client: PortalClient, batchId: string, everyMs: number, done: (s: BatchStatus, at: number) => boolean): Promise<{ last: BatchStatus; ms: number[] }> {
	const ms: number[] = [];
	for (;;) {
		const before = performance.now();
		const last = await client.status(batchId);
		const at = performance.now();
		ms.push(at - before);
		if (done(last, at)) return { last, ms };
		await sleep(everyMs);
	}
}

/** Counts add up and match the file; every success has its window; registrants and the clerk have their mails. */
async function checkEndState(client: PortalClient, final: BatchStatus, v: { opened: number; superseded: number }, file: UploadFile, clerk: DemoClerk, uploadedAt: number): Promise<string[]> {
	const problems: string[] = [];
	const e = file.expected;
	if (final.totalRows !== file.rows || final.successCount !== e.success || final.failureCount !== e.failed) {
		problems.push(`${final.totalRows} rows, ${final.successCount} success / ${final.failureCount} failed; expected ${file.rows}, ${e.success} / ${e.failed}`);
	}
	if (v.opened !== final.successCount) problems.push(`${v.opened} verification windows opened for ${final.successCount} successful rows`);
	if (v.superseded !== 0) problems.push(`${v.superseded} hand-offs superseded in a batch nobody else touched`);
	const mail = ((await client.mailbox(clerk.email)) ?? []).find((m) => Date.parse(m.createdAt) >= uploadedAt - 1_000);
	if (!mail?.text.includes(`總共上傳${file.rows}筆`)) problems.push(`no clerk mail since the upload saying 總共上傳${file.rows}筆`);
	// The file's first registrants: exactly one mail each, whose link carries a ticket and no ID.
	let mailed = 0;
	for (const [idNo, email] of [...emailsInFile(file.bytes)].slice(1, 21)) {
		const mails = ((await client.mailbox(email)) ?? []).filter((m) => m.subject === VERIFICATION_MAIL_SUBJECT);
		if (mails.length > 1) problems.push(`${mails.length} verification mails to one registrant (${maskIdNo(idNo)})`);
		for (const m of mails) {
			if (!/\/verify\?ticket=[A-Za-z0-9_-]{22,}/.test(m.text)) problems.push("a verification mail without its /verify?ticket= link");
			if (m.text.toUpperCase().includes(idNo)) problems.push("a verification mail shows the full ID");
		}
		mailed += mails.length === 1 ? 1 : 0;
	}
	if (mailed === 0) problems.push("none of the file's first registrants has a verification mail");
	return problems;
}

/** confirm_p50_ms / confirm_p95_ms: 確定 (POST /verify until its whole answer) of CONFIRM_REQUESTS registrants, one after another. */
async function measureConfirm(client: PortalClient, fileBytes: Uint8Array, cards: readonly BenchCard[], log: (line: string) => void): Promise<{ figures: RunFigures; problems: string[] }> {
	const ready = await registrantTickets(client, emailsInFile(fileBytes), cards, CONFIRM_REQUESTS);
	const problems = ready.length < CONFIRM_REQUESTS ? [`only ${ready.length} carded registrants have a verification mail (${CONFIRM_REQUESTS} wanted)`] : [];
	const stats = new RouteStats();
	let refused = 0;
	for (const registrant of ready) if (!(await confirmRegistrant(stats, client.origin, registrant))) refused++;
	const verify = stats.summaries().find((r) => r.route === "POST /verify");
	if (refused > 0) problems.push(`${refused} confirmations refused: ${JSON.stringify(verify?.errors ?? {})}`);
	log(`  ${verify?.count ?? 0} registrants confirmed (確定: card proof, PBKDF2, the window's object, the completion mail): p50 ${verify?.p50} ms, p95 ${verify?.p95} ms, max ${verify?.max} ms`);
	return { figures: { confirm_p50_ms: verify?.p50 ?? null, confirm_p95_ms: verify?.p95 ?? null }, problems };
}

export function latencies(values: readonly number[]): string {
	if (values.length === 0) return "none answered";
	const sorted = [...values].sort((a, b) => a - b);
	return `${values.length} answers, p50 ${Math.round(percentile(sorted, 50))} ms, p95 ${Math.round(percentile(sorted, 95))} ms, max ${Math.round(percentile(sorted, 100))} ms`;
}
