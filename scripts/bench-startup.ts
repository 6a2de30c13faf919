// npm run bench:startup [-- --runs=N] [--bundle=<dir with index.js>]: the Worker's cold start, measured as
// the CPU workerd spends from its launch until it has answered the first request — the same workerd
// binary wrangler dev runs, on the bundle `wrangler deploy --dry-run` builds. Each run is a fresh workerd
// process (nothing cached); its CPU time is read from /proc/<pid>/task/*/schedstat (nanoseconds spent
// on a CPU, all threads), which CPU contention from other processes does not inflate the way it does
// wall time. A bare Worker (one `fetch` answering "ok") is measured the same way: the difference is
// what loading, compiling and evaluating the portal's bundle costs. Prints min / median / max of each
// and the 50 ms limit (issue 16.5) the portal's own share is judged against, then one JSON line.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { round1, spread } from "./lib/load-http.ts";
import { bundleWorker, freePort, ROOT, sleep } from "./lib/wrangler-dev.ts";

/** The portal's own share of a cold start must stay under this (issue 16.5). */
const LIMIT_MS = 50;
const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, "").split("=") as [string, string]));
const RUNS = Number(args.get("runs") ?? 7);
const WORKERD = createRequire(path.join(ROOT, "node_modules", "wrangler", "package.json")).resolve("workerd/bin/workerd");
const COMPATIBILITY = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(readFileSync(path.join(ROOT, "wrangler.toml"), "utf8"))?.[1] ?? "2026-11-01";

const workDir = mkdtempSync(path.join(tmpdir(), "nhi-startup-"));
process.on("exit", () => rmSync(workDir, { recursive: true, force: true }));

/** A workerd config serving `main` (an ES module in `dir`) on `port`, with the project's compatibility settings. */
function writeConfig(dir: string, main: string, port: number): string {
	const file = path.join(dir, "startup.capnp");
	writeFileSync(
		file,
		`using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [(name = "${main}", esModule = embed "${main}")],
  compatibilityDate = "${COMPATIBILITY}",
  compatibilityFlags = ["nodejs_compat"],
);
`,
	);
	return file;
}

/** CPU time (ms) `pid` has spent so far: every thread, and its main thread alone. */
function cpuMs(pid: number): { all: number; main: number } {
	let all = 0;
	let main = 0;
	for (const task of readdirSync(`/proc/${pid}/task`)) {
		try {
			const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
			all += ns;
			if (task === String(pid)) main = ns;
		} catch {
			// A thread that ended in between.
		}
	}
	return { all: all / 1e6, main: main / 1e6 };
}

/** Resolves once something accepts TCP connections on `port`. */
async function listening(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
	const deadline = Date.now() + 60_000;
	for (;;) {
		if (child.exitCode !== null) throw new Error(`workerd exited: ${stderr().trim().split("\n").slice(-5).join("\n")}`);
		const ok = await new Promise<boolean>((resolve) => {
			const socket = connect(port, "127.0.0.1", () => {
				socket.destroy();
				resolve(true);
			});
			socket.once("error", () => resolve(false));
		});
		if (ok) return;
		if (Date.now() > deadline) throw new Error(`workerd did not listen:\n${stderr()}`);
		await sleep(2);
	}
}

type ColdStart = { startup: number; startupMain: number; firstRequest: number };

/**
 * One cold start: launch workerd, read its CPU once it listens (it has loaded, compiled and evaluated
 * the Worker by then) and again after the first answer (the code that request ran is compiled lazily).
 */
async function coldStart(dir: string, main: string): Promise<ColdStart> {
	const port = await freePort();
	const config = writeConfig(dir, main, port);
	const child: ChildProcess = spawn(WORKERD, ["serve", config, "--experimental"], { stdio: ["ignore", "ignore", "pipe"] });
	let stderr = "";
	child.stderr?.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
	try {
		await listening(port, child, () => stderr);
		const pid = child.pid ?? -1;
		const atListen = cpuMs(pid);
		const res = await fetch(`http://127.0.0.1:${port}/startup-probe`, { signal: AbortSignal.timeout(30_000) });
		await res.arrayBuffer();
		const atAnswer = cpuMs(pid);
		return { startup: atListen.all, startupMain: atListen.main, firstRequest: atAnswer.all - atListen.all };
	} finally {
		child.kill("SIGKILL");
		await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once("exit", resolve)));
	}
}

async function main(): Promise<void> {
	const bundleDir = args.get("bundle") ?? path.join(workDir, "bundle");
	if (!args.has("bundle")) {
		console.log("Bundling the Worker as `wrangler deploy --dry-run` does…");
		await bundleWorker(bundleDir);
	}
	const script = path.join(bundleDir, "index.js");
	const bytes = readFileSync(script);
	const bareDir = path.join(workDir, "bare");
	mkdirSync(bareDir);
	writeFileSync(path.join(bareDir, "bare.js"), 'export default { fetch() { return new Response("ok"); } };\n');

	const portal: ColdStart[] = [];
	const bare: ColdStart[] = [];
	// Interleaved, so that a burst of load from elsewhere on the machine hits both alike.
	for (let i = 0; i < RUNS; i++) {
		bare.push(await coldStart(bareDir, "bare.js"));
		portal.push(await coldStart(bundleDir, "index.js"));
	}
	const of = (runs: ColdStart[], pick: (r: ColdStart) => number) => spread(runs.map(pick));
	const result = {
		bundle_kib: round1(statSync(script).size / 1024),
		bundle_gzip_kib: round1(gzipSync(bytes).length / 1024),
		runs: RUNS,
		startup_ms: of(portal, (r) => r.startup),
		startup_main_thread_ms: of(portal, (r) => r.startupMain),
		bare_startup_ms: of(bare, (r) => r.startup),
		startup_share_ms: spread(portal.map((r, i) => r.startup - (bare[i]?.startup ?? 0))),
		first_request_ms: of(portal, (r) => r.firstRequest),
		bare_first_request_ms: of(bare, (r) => r.firstRequest),
		limit_ms: LIMIT_MS,
	};
	const line = (label: string, v: { min: number; median: number; max: number }, note = "") =>
		console.log(`  ${label.padEnd(34)} ${v.min} / ${v.median} / ${v.max} ms${note}`);
	console.log(`bundle: ${result.bundle_kib} KiB raw, ${result.bundle_gzip_kib} KiB gzip`);
	console.log(`workerd CPU, ${RUNS} cold starts each (min / median / max):`);
	line("portal, launch → listening", result.startup_ms);
	line("  of it on the main thread", result.startup_main_thread_ms);
	line("bare Worker, launch → listening", result.bare_startup_ms);
	line("portal − bare (the bundle's load)", result.startup_share_ms, `   (limit ${LIMIT_MS} ms)`);
	line("portal, first request", result.first_request_ms);
	line("bare Worker, first request", result.bare_first_request_ms);
	console.log(JSON.stringify(result));
	process.exitCode = result.startup_share_ms.median < LIMIT_MS ? 0 : 1;
}

main().catch((err: unknown) => {
	console.error(err instanceof Error ? err.message : String(err));
	process.exit(1);
});
