// npm start (SPEC §11): one command for a newcomer. Makes .dev.vars from the example when missing, migrates
// and seeds the local D1 (scripts/seed.ts), then runs the portal (wrangler dev) and, once it exists, the
// local reader helper. Ctrl-C (SIGINT) or SIGTERM stops every child; if one child exits, the rest follow.

import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { DEV_VARS, varFlags } from "./lib/dev-vars.ts";
import { runSeed } from "./seed.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const PORTAL_PORT = "8787";
/** How long children get to shut down after a signal before they are killed. */
const STOP_GRACE_MS = 5_000;

const devVars = path.join(ROOT, ".dev.vars");
if (!existsSync(devVars)) {
	copyFileSync(path.join(ROOT, ".dev.vars.example"), devVars);
	console.log("Created .dev.vars from .dev.vars.example (local secrets such as OPERATOR_TOKEN).");
}

try {
	runSeed();
} catch (err) {
	console.error(`\nSeeding failed, not starting: ${err instanceof Error ? err.message : String(err)}`);
	process.exit(1);
}

type Child = { name: string; process: ChildProcess };
const children: Child[] = [];
let stopping = false;
let exitCode = 0;

function startChild(name: string, args: readonly string[]): void {
	// process.execPath: the pinned Node 24 that runs this script also runs the children.
	const child = spawn(process.execPath, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
	children.push({ name, process: child });
	child.on("error", (err) => {
		console.error(`${name} could not start: ${err.message}`);
		exitCode = 1;
		stopAll("SIGTERM");
	});
	child.on("exit", (code, signal) => {
		if (!stopping) {
			console.error(`\n${name} stopped (${signal ?? `exit ${code}`}); stopping the rest.`);
			exitCode = code ?? 1;
			stopAll("SIGTERM");
		}
		if (children.every((c) => c.process.exitCode !== null || c.process.signalCode !== null)) process.exit(exitCode);
	});
}

function stopAll(signal: NodeJS.Signals): void {
	if (stopping) return;
	stopping = true;
	const running = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
	if (running.length === 0) process.exit(exitCode);
	for (const c of running) c.process.kill(signal);
	setTimeout(() => {
		for (const c of running) if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill("SIGKILL");
	}, STOP_GRACE_MS).unref();
}

process.on("SIGINT", () => stopAll("SIGINT"));
process.on("SIGTERM", () => stopAll("SIGTERM"));

// 1. The portal on loopback only, in development (wrangler.toml's vars are production's).
startChild("wrangler dev", [WRANGLER, "dev", "--port", PORTAL_PORT, "--ip", "127.0.0.1", ...varFlags(DEV_VARS)]);

// 2. The local reader helper (SPEC §8), added by its own issue: started only once reader/main.ts exists.
const READER_MAIN = path.join(ROOT, "reader", "main.ts");
if (existsSync(READER_MAIN)) {
	startChild("reader helper", [READER_MAIN]);
} else {
	console.log("reader/main.ts not there yet: the local reader helper is not started.");
}
