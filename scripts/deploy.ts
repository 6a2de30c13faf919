// npm run deploy [-- wrangler deploy flags]: checks the production settings (scripts/lib/production-config.ts)
// of the config wrangler would deploy — wrangler.toml's [vars] with any --var flags laid over them — and
// only then runs `wrangler deploy` with the same flags. `npm run deploy -- --dry-run --outdir <dir>` (CI)
// checks and bundles without publishing; a real deploy must also have replaced the committed placeholders.

import { spawnSync } from "node:child_process";
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { productionProblems } from "./lib/production-config.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const WRANGLER = path.join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

const args = process.argv.slice(2);
const configPath = flagValues(args, "--config", "-c").at(-1) ?? path.join(ROOT, "wrangler.toml");
const dryRun = args.includes("--dry-run");
if (flagValues(args, "--env", "-e").length > 0) {
	fail(["wrangler.toml has no named environments: its top level is production. Deploy without --env."]);
}

const config = unstable_readConfig({ config: configPath });
const overrides = Object.fromEntries(
	flagValues(args, "--var").map((pair) => {
		const at = pair.indexOf(":");
		return [pair.slice(0, at), pair.slice(at + 1)];
	}),
);
const problems = productionProblems({ vars: { ...config.vars, ...overrides }, d1_databases: config.d1_databases }, { deploying: !dryRun });
if (problems.length > 0) fail(problems);

const run = spawnSync(process.execPath, [WRANGLER, "deploy", ...args], { cwd: ROOT, stdio: "inherit" });
process.exit(run.status ?? 1);

/** Values of a flag given as `--name value` or `--name=value`. */
function flagValues(argv: readonly string[], ...names: string[]): string[] {
	const values: string[] = [];
	argv.forEach((arg, i) => {
		for (const name of names) {
			if (arg === name && argv[i + 1] !== undefined) values.push(argv[i + 1] as string);
			else if (arg.startsWith(`${name}=`)) values.push(arg.slice(name.length + 1));
		}
	});
	return values;
}

function fail(lines: readonly string[]): never {
	console.error(`Not deploying: ${path.relative(ROOT, configPath) || configPath} is not production-ready.`);
	for (const line of lines) console.error(`  - ${line}`);
	console.error("See README \"Deploying\".");
	process.exit(1);
}
