// Wrangler for scripts that need a throw-away portal: the CLI (d1 migrations / execute) against a given
// --persist-to directory, and `wrangler dev` on a free loopback port in its own process group, so that
// stopping it takes workerd down too and nothing is left listening.

import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, cpSync, createWriteStream, existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { DEV_VARS, varFlags } from "./dev-vars.ts";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** How long `wrangler dev` may take to build and answer its first request. */
const READY_TIMEOUT_MS = 120_000;
/** How long the process group gets between SIGTERM and SIGKILL. */
const STOP_GRACE_MS = 5_000;

/**
 * What every wrangler the scripts start (npm start's included) needs on a machine that may be offline:
 * no usage metrics, and no fetch of Cloudflare's sample `Request.cf` object from workers.cloudflare.com,
 * which wrangler dev tries twice at start and, offline, reports as `getaddrinfo ENOTFOUND
 * workers.cloudflare.com`. The portal never reads request.cf, so wrangler's built-in placeholder serves.
 */
export const OFFLINE_WRANGLER_ENV = { WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" } as const;

/**
 * X_LOCAL_OBSERVABILITY=false: wrangler dev's local trace collector (on by default) writes every
 * request's and Durable Object call's tail events to its own SQLite store in the same runtime. It is a
 * dashboard for people, not the portal, and it slows creating objects (README "Benchmark"), so the
 * scripts that measure or load the portal run without it.
 */
function wranglerEnv(): NodeJS.ProcessEnv {
	return { ...process.env, ...OFFLINE_WRANGLER_ENV, CI: "1", NO_COLOR: "1", X_LOCAL_OBSERVABILITY: "false" };
}

/**
 * Runs a wrangler CLI command on this Node (the pinned one) and returns its stdout. Asynchronous, so a
 * Ctrl-C or the bench's time-out is handled while it runs; stdin is closed, so prompts take their default.
 */
export function runWrangler(args: readonly string[]): Promise<string> {
	return new Promise((resolve, reject) => {
		const child = spawn(process.execPath, [WRANGLER, ...args], { cwd: ROOT, env: wranglerEnv(), stdio: ["ignore", "pipe", "pipe"] });
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on("data", (b: Buffer) => out.push(b));
		child.stderr.on("data", (b: Buffer) => err.push(b));
		child.on("error", reject);
		child.on("close", (code, signal) => {
			const stdout = Buffer.concat(out).toString("utf8");
			if (code === 0) return resolve(stdout);
			const tail = (stdout + Buffer.concat(err).toString("utf8")).trim().split("\n").slice(-15).join("\n");
			reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${signal ?? `exit ${code}`}):\n${tail}`));
		});
	});
}

/** Bundles the Worker as `wrangler deploy` would (--dry-run, nothing leaves the machine); the entry file. */
export async function bundleWorker(outDir: string): Promise<string> {
	await runWrangler(["deploy", "--dry-run", "--outdir", outDir]);
	return path.join(outDir, "index.js");
}

/** A frozen copy of the Worker for wrangler dev: the bundle and the config (and what it points to) it runs with. */
export type WorkerSnapshot = { script: string; config: string };

/**
 * Bundles the Worker as `wrangler deploy` would (--dry-run, nothing leaves the machine) and copies
 * wrangler.toml, its static assets directory and .dev.vars next to it. A script that measures the
 * Worker runs this snapshot, so that another engineer saving a source file, wrangler.toml or an asset
 * does not make wrangler dev rebuild and restart workerd (cutting requests off) in the middle of a run.
 */
export async function snapshotWorker(dir: string): Promise<WorkerSnapshot> {
	const script = await bundleWorker(path.join(dir, "bundle"));
	const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8");
	writeFileSync(path.join(dir, "wrangler.toml"), toml);
	// [assets] directory = "…" is relative to the config file.
	const assets = /^\[assets\][^[]*?^directory\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
	if (assets) cpSync(path.join(ROOT, assets), path.join(dir, assets), { recursive: true });
	if (existsSync(path.join(ROOT, ".dev.vars"))) copyFileSync(path.join(ROOT, ".dev.vars"), path.join(dir, ".dev.vars"));
	return { script, config: path.join(dir, "wrangler.toml") };
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.once("error", reject);
		server.listen(0, "127.0.0.1", () => {
			const address = server.address();
			const port = typeof address === "object" && address !== null ? address.port : 0;
			server.close(() => (port > 0 ? resolve(port) : reject(new Error("no free port"))));
		});
	});
}

export type WranglerDevOptions = {
	persistTo: string;
	/** --var NAME:VALUE pairs, laid over DEV_VARS (development) and .dev.vars. */
	vars: Record<string, string>;
	/** false: run wrangler.toml's own (production) vars, without DEV_VARS. Default true. */
	development?: boolean;
	/** wrangler's own output goes here, not to the terminal. */
	logFile: string;
	/** A snapshot made by snapshotWorker(), run as is: edits to sources, wrangler.toml or assets do not reload it. */
	snapshot?: WorkerSnapshot;
	/** Another Worker's wrangler.toml (wrangler dev bundles its `main`), instead of the portal. */
	config?: string;
	/** The loopback port to listen on (default: a free one). In development, APP_ORIGIN is this portal's own origin, so mail links lead to it. */
	port?: number;
};

export class WranglerDev {
	readonly origin: string;
	readonly logFile: string;
	#child: ChildProcess;
	#exited: Promise<void>;
	#stopped = false;

	private constructor(child: ChildProcess, origin: string, logFile: string) {
		this.#child = child;
		this.origin = origin;
		this.logFile = logFile;
		this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
	}

	/** Starts `wrangler dev` in development (DEV_VARS) and resolves once the portal answers HTTP (any status). */
	static async start(options: WranglerDevOptions): Promise<WranglerDev> {
		const [port, inspectorPort] = [options.port ?? (await freePort()), await freePort()];
		const origin = `http://127.0.0.1:${port}`;
		const development = options.development === false ? {} : { ...DEV_VARS, APP_ORIGIN: origin };
		const args = [
			WRANGLER, "dev",
			// With a script argument wrangler looks for its config next to the script: name it.
			...(options.snapshot ? [options.snapshot.script, "--no-bundle", "--config", options.snapshot.config] : []),
			...(options.config ? ["--config", options.config] : []),
			"--ip", "127.0.0.1",
			"--port", String(port),
			"--inspector-port", String(inspectorPort),
			"--persist-to", options.persistTo,
			"--show-interactive-dev-session=false",
			...varFlags({ ...development, ...options.vars }),
		];
		const log = createWriteStream(options.logFile);
		// detached: its own process group, which stop() signals as a whole (wrangler, esbuild, workerd).
		const child = spawn(process.execPath, args, { cwd: ROOT, env: wranglerEnv(), detached: true, stdio: ["ignore", "pipe", "pipe"] });
		child.stdout?.pipe(log);
		child.stderr?.pipe(log);
		const dev = new WranglerDev(child, origin, options.logFile);
		try {
			await dev.#waitUntilReady();
		} catch (err) {
			await dev.stop();
			throw err;
		}
		return dev;
	}

	get pid(): number {
		return this.#child.pid ?? -1;
	}

	/** How often wrangler rebuilt the Worker since it started (another engineer saving a file). */
	reloads(): number {
		return (readLog(this.logFile).match(/Reloading local server|Local server updated/g) ?? []).length;
	}

	/** The last lines wrangler dev wrote, for an error report. */
	logTail(lines: number): string {
		return tail(readLog(this.logFile), lines);
	}

	/** Up to `max` distinct error lines wrangler dev wrote (uncaught exceptions, workerd errors), for an error report. */
	logErrors(max: number): string[] {
		const lines = readLog(this.logFile)
			.split("\n")
			.filter((l) => /✘|\bError\b|\berror\b|Uncaught|workerd\/|internal error/.test(l) && !/Request\.cf|ENOTFOUND workers\.cloudflare\.com|onlookupall/.test(l));
		return [...new Set(lines.map((l) => l.trim().slice(0, 400)))].slice(0, max);
	}

	async #waitUntilReady(): Promise<void> {
		const deadline = Date.now() + READY_TIMEOUT_MS;
		while (Date.now() < deadline) {
			if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
				throw new Error(`wrangler dev exited before it answered:\n${tail(readLog(this.logFile))}`);
			}
			// wrangler dev keeps waiting for a fix after a failed build; a script has nobody to fix it.
			const output = readLog(this.logFile);
			if (/Build failed/.test(output)) throw new Error(`the Worker does not build:\n${tail(output)}`);
			try {
				await fetch(`${this.origin}/`, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
				return;
			} catch {
				await sleep(250);
			}
		}
		throw new Error(`wrangler dev did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${tail(readLog(this.logFile))}`);
	}

	/** SIGTERM to the whole group, SIGKILL after a grace period. Safe to call more than once. */
	async stop(): Promise<void> {
		if (this.#stopped) return this.#exited;
		this.#stopped = true;
		if (!this.#signal("SIGTERM")) return;
		const timer = setTimeout(() => this.#signal("SIGKILL"), STOP_GRACE_MS);
		await this.#exited;
		clearTimeout(timer);
		// workerd may outlive its parent for a moment; the group is gone only when every member is.
		this.#signal("SIGKILL");
	}

	/** Synchronous last resort for process.on("exit"). */
	killNow(): void {
		this.#stopped = true;
		this.#signal("SIGKILL");
	}

	#signal(signal: NodeJS.Signals): boolean {
		if (this.#child.pid === undefined) return false;
		try {
			process.kill(-this.#child.pid, signal);
			return true;
		} catch {
			return false; // ESRCH: the group is already gone
		}
	}
}

function readLog(file: string): string {
	try {
		return readFileSync(file, "utf8");
	} catch {
		return "";
	}
}

function tail(text: string, lines = 20): string {
	return text.trim().split("\n").slice(-lines).join("\n");
}

export function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
