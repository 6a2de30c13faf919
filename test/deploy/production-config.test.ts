// The committed configuration is production's (issue 14.3, 16.2). Built as `wrangler deploy` builds it
// and run with no overrides, the Worker publishes no development page; `npm run deploy` refuses settings
// that would mail loopback links or keep mail local, and a real deploy refuses the committed placeholders
// before anything leaves the machine. Runs in Node (npm run test:deploy): it bundles with wrangler and
// starts `wrangler dev` on the bundle.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { unstable_readConfig } from "wrangler";
import { productionProblems, type DeployConfig } from "../../scripts/lib/production-config.ts";
import { ROOT, WranglerDev } from "../../scripts/lib/wrangler-dev.ts";

const workDir = mkdtempSync(path.join(tmpdir(), "nhi-deploy-test-"));
after(() => rmSync(workDir, { recursive: true, force: true }));

/** `npm run deploy -- <args>`, as CI and a deployer run it (no network: every run here stops before Cloudflare). */
function npmRunDeploy(args: readonly string[]): { status: number | null; output: string } {
	const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "deploy.ts"), ...args], {
		cwd: ROOT,
		encoding: "utf8",
		env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1", NO_COLOR: "1" },
		timeout: 120_000,
	});
	return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** CI's step: `npm run deploy -- --dry-run --outdir <dir>` on the committed config, run once for these tests. */
const dryRunDir = path.join(workDir, "dry-run");
let dryRun: { status: number | null; output: string };
before(() => {
	dryRun = npmRunDeploy(["--dry-run", "--outdir", dryRunDir]);
});

describe("the committed wrangler.toml, built and run with no overrides", () => {
	let dev: WranglerDev | null = null;
	before(async () => {
		assert.equal(dryRun.status, 0, dryRun.output);
		// What `wrangler deploy` publishes: the bundle, wrangler.toml and the static assets — and no
		// .dev.vars, which a developer's checkout may have.
		cpSync(path.join(ROOT, "wrangler.toml"), path.join(workDir, "wrangler.toml"));
		cpSync(path.join(ROOT, "web", "public"), path.join(workDir, "web", "public"), { recursive: true });
		dev = await WranglerDev.start({
			persistTo: path.join(workDir, "state"),
			vars: {},
			development: false,
			logFile: path.join(workDir, "wrangler-dev.log"),
			snapshot: { script: path.join(dryRunDir, "index.js"), config: path.join(workDir, "wrangler.toml") },
		});
	});
	after(() => dev?.stop());

	it("serves the portal", async () => {
		assert.ok(dev);
		const res = await fetch(`${dev.origin}/sign-in`);
		await res.body?.cancel();
		assert.equal(res.status, 200);
	});

	it("answers 404 on the demo sign-in and the development mailbox", async () => {
		assert.ok(dev);
		const origin = dev.origin;
		const tries: [string, string][] = [
			["GET", "/dev/sign-in"],
			["POST", "/dev/sign-in"],
			["GET", "/dev/mailbox"],
			["GET", "/dev/mailbox.json"],
			["GET", "/dev/mailbox/mail_00000000000000000000000000000000"],
			["GET", "/dev/mailbox/mail_00000000000000000000000000000000/attachments/0"],
			["GET", "/dev/anything-else"],
		];
		for (const [method, route] of tries) {
			const res: Response = await fetch(`${origin}${route}`, {
				method,
				redirect: "manual",
				...(method === "POST" ? { headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "idNo=A123456789" } : {}),
			});
			await res.body?.cancel();
			assert.equal(res.status, 404, `${method} ${route}`);
			assert.equal(res.headers.get("set-cookie"), null, `${method} ${route} sets no session`);
		}
	});
});

describe("npm run deploy", () => {
	it("checks and bundles the committed production settings in a dry run (CI's step)", () => {
		assert.equal(dryRun.status, 0, dryRun.output);
		assert.ok(existsSync(path.join(dryRunDir, "index.js")), "the Worker was bundled");
	});

	it("refuses a loopback APP_ORIGIN, even in a dry run, and bundles nothing", () => {
		const outdir = path.join(workDir, "loopback");
		const run = npmRunDeploy(["--dry-run", "--outdir", outdir, "--var", "APP_ORIGIN:http://127.0.0.1:8787"]);
		assert.equal(run.status, 1, run.output);
		assert.match(run.output, /APP_ORIGIN http:\/\/127\.0\.0\.1:8787\/ is a loopback address/);
		assert.equal(existsSync(path.join(outdir, "index.js")), false);
	});

	it("refuses development settings: the demo sign-in, the local outbox", () => {
		const run = npmRunDeploy(["--dry-run", "--outdir", path.join(workDir, "dev"), "--var", "ENVIRONMENT:development", "--var=MAIL_TRANSPORT:outbox"]);
		assert.equal(run.status, 1, run.output);
		assert.match(run.output, /ENVIRONMENT is "development"/);
		assert.match(run.output, /MAIL_TRANSPORT is "outbox"/);
	});

	it("refuses a loopback APP_ORIGIN written into a copy of wrangler.toml", () => {
		const config = path.join(workDir, "loopback.toml");
		const toml = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8").replace(/^APP_ORIGIN = .*$/m, 'APP_ORIGIN = "http://localhost:8787"');
		writeFileSync(config, toml);
		const run = npmRunDeploy(["--dry-run", "--outdir", path.join(workDir, "copy"), "--config", config]);
		assert.equal(run.status, 1, run.output);
		assert.match(run.output, /APP_ORIGIN http:\/\/localhost:8787\/ is a loopback address/);
	});

	it("refuses a real deploy of the committed placeholders before contacting Cloudflare", () => {
		const run = npmRunDeploy([]);
		assert.equal(run.status, 1, run.output);
		assert.match(run.output, /APP_ORIGIN https:\/\/eservice\.nhi\.example\.tw is the committed placeholder/);
		assert.match(run.output, /MAIL_FROM .* is the committed placeholder/);
		assert.match(run.output, /D1 binding DB still has the placeholder database_id/);
	});
});

describe("production settings", () => {
	const committed: DeployConfig = unstable_readConfig({ config: path.join(ROOT, "wrangler.toml") });
	const real = (vars: Record<string, string>): DeployConfig => ({
		vars: { ...committed.vars, APP_ORIGIN: "https://cardreg.nhi.gov.tw", MAIL_FROM: "健保署 <noreply@nhi.gov.tw>", ...vars },
		d1_databases: [{ binding: "DB", database_id: "3f1c2a9e-5b7d-4e21-9c0a-6d8e2f4b1a37" }],
	});

	it("are wrangler.toml's defaults", () => {
		assert.deepEqual(productionProblems(committed, { deploying: false }), []);
		assert.deepEqual(productionProblems(real({}), { deploying: true }), []);
	});

	it("need an https host name for APP_ORIGIN, with no path", () => {
		const problems = (origin: string) => productionProblems(real({ APP_ORIGIN: origin }), { deploying: true }).join("\n");
		assert.match(problems("http://cardreg.nhi.gov.tw"), /is not https/);
		assert.match(problems("https://203.0.113.7"), /is an IP address: passkeys need the portal's host name/);
		assert.match(problems("https://[::1]:8443"), /is a loopback address/);
		assert.match(problems("https://portal.localhost"), /is a loopback address/);
		assert.match(problems("https://cardreg.nhi.gov.tw/"), /must be an origin only/);
		assert.match(problems("cardreg.nhi.gov.tw"), /is not a URL/);
	});

	it("run retention daily at 03:00 Taipei and retry queued mail every 10 minutes", () => {
		assert.deepEqual(unstable_readConfig({ config: path.join(ROOT, "wrangler.toml") }).triggers.crons, ["0 19 * * *", "*/10 * * * *"]);
	});

	it("keep the reader helper on the user's own PC", () => {
		const problems = productionProblems(real({ READER_URL: "https://reader.nhi.gov.tw" }), { deploying: true });
		assert.match(problems.join("\n"), /READER_URL .* must be the local reader helper/);
	});
});
