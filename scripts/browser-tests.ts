// npm run test:browser (SPEC §11): the real-browser tests of the pages. It makes a throw-away portal
// (scripts/lib/throwaway-portal.ts: D1 migrated and seeded with the demo data, `wrangler dev` on a free
// loopback port, its APP_ORIGIN, so mail links lead to it) — then runs test/browser/*.test.ts with Node's own test runner (the
// portal's address in PORTAL_URL), so the output ends with node:test's summary lines. The demo staff get
// the demo 註冊密碼 (scripts/demo-credentials.ts), and a reader helper of its own (virtual backend, the demo
// cards and a fresh dev PKI, allowing only this portal) runs on a free port: READER_URL, for the pages
// (wrangler --var) and the tests (insert / remove a virtual card); its keys directory is READER_KEYS_DIR.
//
// Chromium: CHROMIUM_PATH, Debian's /usr/bin/chromium, or the one npm installed (scripts/lib/chromium.ts),
// always with a CJK font from npm, so a fresh machine needs nothing but `npm install`.
//
// Whatever happens (pass, failure, Ctrl-C, the 20-minute bound), wrangler dev's process group and every
// Chromium the tests started are stopped and the temp dir removed. wrangler's log is printed only when
// something failed. Exit code: 0 when every test passed.

import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { demoCredentialsSql } from "./demo-credentials.ts";
import { type Chromium, findChromium } from "./lib/chromium.ts";
import { ReaderHelper, writeReaderKeys } from "./lib/reader-helper.ts";
import { ThrowawayPortal } from "./lib/throwaway-portal.ts";
import { freePort, ROOT, type WranglerDev } from "./lib/wrangler-dev.ts";
import { verifyDataSet } from "./seed.ts";

/**
 * The whole run, set-up included, is bounded. ~5 minutes on a quiet 2-core VM (each page's axe-core check included); with other work loading it
 * (load average ~15) set-up alone took 3 minutes and 24 tests did not finish within 10.
 */
const RUN_TIMEOUT_MS = 20 * 60_000;
/** One test's bound inside node:test (a test waits at most a minute for its batch to end). */
const TEST_TIMEOUT_MS = 3 * 60_000;
const TEST_DIR = path.join(ROOT, "test", "browser");
/** node:test's closing summary: "ℹ tests 5", "ℹ pass 5", … "ℹ duration_ms 1234.5". */
const SUMMARY_LINE = /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;

// On the disk, not tmpfs: Chromium profiles are large, and a container's /dev/shm may be small.
const portal = new ThrowawayPortal({ name: "browser", stateDir: tmpdir(), timeoutMs: RUN_TIMEOUT_MS });
/** TMPDIR of the test processes: Playwright puts each Chromium's fresh profile here. */
const browserTmp = path.join(portal.workDir, "browser");
mkdirSync(browserTmp);
let tests: ChildProcess | null = null;

function since(t0: number): string {
	return `${((performance.now() - t0) / 1000).toFixed(1)} s`;
}

/** `npm run test:browser -- sign-in environment`: only the files whose names contain one of the words. */
function testFiles(only: readonly string[] = process.argv.slice(2)): string[] {
	return readdirSync(TEST_DIR)
		.filter((name) => name.endsWith(".test.ts"))
		.filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
		.sort()
		.map((name) => path.join(TEST_DIR, name));
}

/** Runs node:test on the files; its output goes to ours as it comes. Resolves with its exit code and the summary. */
function runTests(files: readonly string[], portal: WranglerDev, readerUrl: string, keysDir: string, chromium: Chromium): Promise<{ code: number; summary: string[] }> {
	const args = ["--test", "--test-reporter=spec", "--test-concurrency=1", `--test-timeout=${TEST_TIMEOUT_MS}`, ...files];
	const env: NodeJS.ProcessEnv = {
		...process.env,
		...chromium.env,
		PORTAL_URL: portal.origin,
		// wrangler dev's own output, for a test of what a newcomer sees in the terminal.
		WRANGLER_LOG: portal.logFile,
		READER_URL: readerUrl,
		// The demo cards and dev PKI the portal trusts, for a test that needs them elsewhere (SoftHSM2 tokens).
		READER_KEYS_DIR: keysDir,
		TMPDIR: browserTmp,
		CHROMIUM_PATH: chromium.executablePath,
	};
	if (process.stdout.isTTY) env.FORCE_COLOR = "1";
	// Its own process group, so a time-out can stop the runner and every test process at once.
	const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
	tests = child;
	const summary: string[] = [];
	let pending = "";
	child.stdout?.on("data", (chunk: Buffer) => {
		process.stdout.write(chunk);
		pending += chunk.toString("utf8");
		const lines = pending.split("\n");
		pending = lines.pop() ?? "";
		for (const line of lines) if (SUMMARY_LINE.test(stripAnsi(line))) summary.push(line);
	});
	child.stderr?.pipe(process.stderr);
	return new Promise((resolve) => {
		child.on("error", (err) => {
			console.error(`node --test could not start: ${err.message}`);
			resolve({ code: 1, summary });
		});
		child.on("close", (code, signal) => {
			tests = null;
			resolve({ code: code ?? (signal ? 1 : 0), summary });
		});
	});
}

function stripAnsi(text: string): string {
	return text.replace(/\x1b\[[0-9;]*m/g, "");
}

function signalGroup(child: ChildProcess | null, signal: NodeJS.Signals): void {
	if (child?.pid === undefined) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		// ESRCH: the group is already gone.
	}
}

/**
 * Chromium processes started for this run: the ones whose command line names this run's temp dir (their
 * profile lives there). Playwright closes them itself; this catches one a killed test process left behind.
 */
function leftoverChromiumPids(): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
			if (cmdline.includes(browserTmp) && Number(entry) !== process.pid) pids.push(Number(entry));
		} catch {
			// The process ended while we looked.
		}
	}
	return pids;
}

function stopLeftoverChromium(): number {
	const pids = leftoverChromiumPids();
	for (const pid of pids) {
		try {
			process.kill(pid, "SIGKILL");
		} catch {
			// Already gone.
		}
	}
	return pids.length;
}

function printWranglerLog(dev: WranglerDev): void {
	const log = existsSync(dev.logFile) ? readFileSync(dev.logFile, "utf8").trim() : "";
	console.log(`\n---- wrangler dev log (${path.basename(dev.logFile)}) ----\n${log.split("\n").slice(-200).join("\n")}\n---- end of wrangler dev log ----`);
}

/** Stops the test runner's process group (SIGTERM, then SIGKILL after 5 s) and any Chromium it left behind. */
async function stopTests(): Promise<void> {
	const runner = tests;
	if (runner) {
		signalGroup(runner, "SIGTERM");
		await new Promise<void>((resolve) => {
			const timer = setTimeout(() => {
				signalGroup(runner, "SIGKILL");
				resolve();
			}, 5_000);
			runner.once("close", () => {
				clearTimeout(timer);
				resolve();
			});
		});
	}
	const leftovers = stopLeftoverChromium();
	if (leftovers > 0) console.error(`stopped ${leftovers} Chromium process(es) a test left running`);
}

// Last resort if something ends the process without the teardown: nothing may outlive the run.
process.on("exit", () => {
	signalGroup(tests, "SIGKILL");
	stopLeftoverChromium();
});

async function main(): Promise<number> {
	const files = testFiles();
	if (files.length === 0) throw new Error(`no browser tests in ${path.relative(ROOT, TEST_DIR)}/`);
	portal.onTeardown(stopTests);

	let t0 = performance.now();
	const chromium = await findChromium();
	const from = { CHROMIUM_PATH: "CHROMIUM_PATH", debian: "Debian's package", npm: "npm install (@sparticuz/chromium)" }[chromium.source];
	console.log(`Browser tests: Chromium ${chromium.executablePath}, from ${from} (${since(t0)})`);
	t0 = performance.now();
	console.log("Browser tests: preparing a throw-away portal (D1 migrated and seeded with the demo data)…");
	// The demo staff get the demo 註冊密碼; the data set is checked the seed's way.
	const data = await portal.prepare(async (demo) => {
		verifyDataSet(demo);
		return demoCredentialsSql(demo);
	});
	const keysDir = path.join(portal.workDir, "reader-keys");
	const trustedRootsPem = await writeReaderKeys(keysDir, data);
	const readerPort = await freePort();
	const readerUrl = `http://127.0.0.1:${readerPort}`;
	console.log(`  local D1, the Worker's bundle and the reader helper's cards ready in ${since(t0)}`);
	t0 = performance.now();
	rmSync(path.join(ROOT, "test-results", "browser"), { recursive: true, force: true });
	const dev = await portal.start({ READER_URL: readerUrl, TRUSTED_ROOTS_PEM: trustedRootsPem });
	console.log(`  wrangler dev on ${dev.origin} (pid ${dev.pid}) started in ${since(t0)}`);
	// The portal by IP and by name: passkeys need a host name (WebAuthn refuses an IP address as RP ID).
	const allowOrigins = [dev.origin, dev.origin.replace("127.0.0.1", "localhost")];
	const reader = await ReaderHelper.start({ port: readerPort, keysDir, allowOrigins, logFile: path.join(portal.workDir, "reader.log") });
	portal.onTeardown(async (exitCode) => {
		if (exitCode !== 0 && existsSync(reader.logFile)) console.log(`\n---- reader helper log ----\n${readFileSync(reader.logFile, "utf8").trim()}\n---- end ----`);
		await reader.stop();
	});
	process.on("exit", () => reader.killNow());
	console.log(`  reader helper on ${reader.url} (pid ${reader.pid})\n`);

	const { code, summary } = await runTests(files, dev, reader.url, keysDir, chromium);
	if (code !== 0) {
		// The log first, then node:test's summary again, so the output still ends with it.
		printWranglerLog(dev);
		if (summary.length > 0) console.log(`\n${summary.join("\n")}`);
	}
	return code === 0 ? 0 : 1;
}

portal.run(main);
