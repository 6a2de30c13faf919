// npm start (SPEC §11): one command for a newcomer. Makes .dev.vars from the example when missing, migrates
// and seeds the local D1 (scripts/seed.ts), then runs the portal (wrangler dev) and, once it exists, the
// local reader helper. Ctrl-C (SIGINT) or SIGTERM stops every child; if the portal exits, the rest follow;
// if the reader helper exits, the portal keeps running (scripts/lib/supervisor.ts).

import { copyFileSync, existsSync } from "node:fs";
import path from "node:path";
import { DEV_VARS, varFlags } from "./lib/dev-vars.ts";
import { Supervisor } from "./lib/supervisor.ts";
import { OFFLINE_WRANGLER_ENV } from "./lib/wrangler-dev.ts";
import { runSeed } from "./seed.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const PORTAL_PORT = "8787";

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

const supervisor = new Supervisor({
	cwd: ROOT,
	env: { ...process.env, ...OFFLINE_WRANGLER_ENV },
	onAllStopped: (code) => process.exit(code),
});

process.on("SIGINT", () => supervisor.stopAll("SIGINT"));
process.on("SIGTERM", () => supervisor.stopAll("SIGTERM"));

// 1. The portal on loopback only, in development (wrangler.toml's vars are production's).
supervisor.start({ name: "wrangler dev", args: [WRANGLER, "dev", "--port", PORTAL_PORT, "--ip", "127.0.0.1", ...varFlags(DEV_VARS)], essential: true });

// 2. The local reader helper (SPEC §8), added by its own issue: started only once reader/main.ts exists.
const READER_MAIN = path.join(ROOT, "reader", "main.ts");
if (existsSync(READER_MAIN)) {
	supervisor.start({
		name: "reader helper",
		args: [READER_MAIN],
		essential: false,
		restartHint: "Start it again in another terminal with `npm run reader`.",
	});
} else {
	console.log("reader/main.ts not there yet: the local reader helper is not started.");
}
