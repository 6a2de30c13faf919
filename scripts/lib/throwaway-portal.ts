// One throw-away portal for the scripts that need one (npm run bench, bench:load, test:faults,
// test:browser): a work dir holding wrangler dev's --persist-to state and a snapshot of the Worker, D1
// migrated and seeded with the demo data, and wrangler dev on a loopback port. Whatever happens — the
// script's end, a failure, Ctrl-C (a second one exits at once), SIGTERM, the script's time bound —
// wrangler dev's process group and whatever the script registered with onTeardown() are stopped and the
// work dir is removed; a last hook on process exit kills what is left, so nothing outlives the script.
//
// Where the state lives: locally every Durable Object and the D1 database are SQLite files, and on these
// VMs the disk's fsync latency, not the portal, sets the pace of anything that creates objects (README
// "Benchmark" has the figures). The measuring scripts mean to measure the portal, so their state lives in
// memory (/dev/shm, tmpfs) by default; `--state-dir=/tmp` (or any directory) measures on that disk.

import { accessSync, constants, copyFileSync, cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildDemoData, type DemoDataSet, renderDemoSql } from "../demo-data.ts";
import { runWrangler, snapshotWorker, type WorkerSnapshot, WranglerDev } from "./wrangler-dev.ts";

const MEMORY_DIR = "/dev/shm";

/** The directory to make the throw-away state in: the option given, else tmpfs when writable, else the OS temp dir. */
export function stateRoot(option: string | undefined): { dir: string; kind: "memory (tmpfs)" | "disk" | "given" } {
	if (option) return { dir: option, kind: "given" };
	try {
		accessSync(MEMORY_DIR, constants.W_OK);
		return { dir: MEMORY_DIR, kind: "memory (tmpfs)" };
	} catch {
		return { dir: tmpdir(), kind: "disk" };
	}
}

export type PortalScriptOptions = {
	/** The script's name in messages and in its work dir's name. */
	name: string;
	/** --state-dir: where the work dir is made (default: see stateRoot()). */
	stateDir?: string;
	timeoutMs: number;
	/** Where wrangler dev's log is copied at the end (it goes with the work dir otherwise). */
	keepLog?: string;
};

export type DemoClerk = { unitCode: string; unitName: string; insured: number; idNo: string; name: string; email: string };

/** The demo unit with the most insured members, and its first clerk (承辦人). */
export function largestUnitClerk(data: DemoDataSet): DemoClerk {
	const insured = new Map<string, number>();
	for (const r of data.roster) if (r.withdrawnOn == null) insured.set(r.unitCode, (insured.get(r.unitCode) ?? 0) + 1);
	const [unitCode, count] = [...insured].sort((a, b) => b[1] - a[1])[0] ?? ["", 0];
	const unit = data.units.find((u) => u.code === unitCode);
	const clerk = data.staff.find((s) => s.unitCode === unitCode && s.role === "clerk" && s.revokedAt == null);
	const person = data.people.find((p) => p.idNo === clerk?.idNo);
	if (!unit || !clerk || !person) throw new Error("the demo data has no unit with a clerk");
	return { unitCode, unitName: unit.name, insured: count, idNo: clerk.idNo, name: person.name, email: clerk.email };
}

export class ThrowawayPortal {
	readonly workDir: string;
	readonly stateKind: string;
	/** wrangler dev's --persist-to directory (D1 and the Durable Objects' SQLite files). */
	persistTo: string;
	/** Where prepare() put the state; copyState() copies it. */
	readonly #prepared: string;
	dev: WranglerDev | null = null;
	readonly #options: PortalScriptOptions;
	#snapshot: WorkerSnapshot | null = null;
	#starts = 0;
	#teardowns: ((code: number) => Promise<void> | void)[] = [];
	#finishing = false;

	constructor(options: PortalScriptOptions) {
		this.#options = options;
		const root = stateRoot(options.stateDir);
		this.stateKind = root.kind;
		this.workDir = mkdtempSync(path.join(root.dir, `nhi-${options.name}-`));
		this.persistTo = path.join(this.workDir, "state");
		this.#prepared = this.persistTo;
	}

	/** Runs `main` under the lifecycle: signals, the time bound and the exit hook; exits with its code. */
	run(main: () => Promise<number>): void {
		const { name, timeoutMs } = this.#options;
		const onSignal = (code: number, what: string) => (this.#finishing ? process.exit(code) : void this.finish(code, `${name} ${what}: stopping wrangler dev and removing ${this.workDir}.`));
		process.on("SIGINT", () => onSignal(130, "interrupted (Ctrl-C)"));
		process.on("SIGTERM", () => onSignal(143, "terminated"));
		process.on("exit", () => {
			this.dev?.killNow();
			rmSync(this.workDir, { recursive: true, force: true });
		});
		setTimeout(() => void this.finish(1, `${name} timed out after ${timeoutMs / 1000} s (--timeout-s).`), timeoutMs).unref();
		main().then(
			(code) => this.finish(code),
			(err: unknown) => this.finish(1, `${name} failed: ${err instanceof Error ? err.message : String(err)}`),
		);
	}

	/** Something else to stop at the end (a test runner, a reader helper), before wrangler dev. */
	onTeardown(stop: (code: number) => Promise<void> | void): void {
		this.#teardowns.push(stop);
	}

	/**
	 * Stops everything, removes the work dir and exits. `why` (an abort) is printed with wrangler dev's
	 * last lines. Runs once: a failure caused by the teardown itself does not pre-empt it.
	 */
	async finish(code: number, why?: string): Promise<never> {
		if (this.#finishing) return new Promise<never>(() => undefined);
		this.#finishing = true;
		if (why) console.error(`\n${why}`);
		if (this.dev && why && code !== 0) {
			const errors = this.dev.logErrors(10);
			if (errors.length > 0) console.error(`\nErrors in wrangler dev's output:\n${errors.join("\n")}`);
			console.error(`\nLast lines of wrangler dev's output:\n${this.dev.logTail(15)}`);
		}
		for (const stop of this.#teardowns.reverse()) await Promise.resolve(stop(code)).catch((err: unknown) => console.error(`cleanup: ${String(err)}`));
		await this.stop().catch((err: unknown) => console.error(`stopping wrangler dev: ${String(err)}`));
		rmSync(this.workDir, { recursive: true, force: true });
		process.exit(code);
	}

	/** Bundles the Worker into the work dir: edits saved meanwhile do not make wrangler dev reload mid-run. */
	async snapshot(): Promise<void> {
		this.#snapshot = await snapshotWorker(path.join(this.workDir, "worker"));
	}

	/** The snapshot, D1 migrated and the demo data seeded, with `extraSql` in the same file (one D1 batch: all or nothing). */
	async prepare(extraSql: (data: DemoDataSet) => Promise<string[]> = async () => []): Promise<DemoDataSet> {
		await this.snapshot();
		await runWrangler(["d1", "migrations", "apply", "DB", "--local", "--persist-to", this.persistTo]);
		const demo = buildDemoData();
		await this.executeSql("seed.sql", [...renderDemoSql(demo), ...(await extraSql(demo))].join("\n"));
		return demo;
	}

	/** Runs a SQL file against local D1 (wrangler dev must not run meanwhile: it writes the same SQLite file). */
	async executeSql(name: string, sql: string): Promise<void> {
		const file = path.join(this.workDir, name);
		writeFileSync(file, sql);
		await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", this.persistTo, "--file", file]);
		rmSync(file);
	}

	/** One query against local D1 (wrangler dev must not run meanwhile); its rows. */
	async query(sql: string): Promise<Record<string, unknown>[]> {
		const out = await runWrangler(["d1", "execute", "DB", "--local", "--persist-to", this.persistTo, "--json", "--command", sql]);
		const parsed: unknown = JSON.parse(out);
		const first = Array.isArray(parsed) ? (parsed[0] as { results?: Record<string, unknown>[] } | undefined) : undefined;
		return first?.results ?? [];
	}

	/** Runs on a fresh copy of the prepared state from now on: each run of a bench starts from the same state. */
	copyState(name: string): void {
		this.persistTo = path.join(this.workDir, name);
		cpSync(this.#prepared, this.persistTo, { recursive: true });
	}

	/** Starts wrangler dev on the snapshot (when made) and the current state. */
	async start(vars: Record<string, string> = {}, port?: number): Promise<WranglerDev> {
		this.dev = await WranglerDev.start({
			persistTo: this.persistTo,
			vars,
			logFile: path.join(this.workDir, `wrangler-dev-${this.#starts++}.log`),
			...(this.#snapshot ? { snapshot: this.#snapshot } : {}),
			...(port ? { port } : {}),
		});
		return this.dev;
	}

	async stop(): Promise<void> {
		const dev = this.dev;
		this.dev = null;
		await dev?.stop();
		if (dev && this.#options.keepLog && existsSync(dev.logFile)) copyFileSync(dev.logFile, this.#options.keepLog);
	}

	/** SIGKILL to the whole process group (wrangler, workerd), no grace: a crash. */
	crash(): void {
		this.dev?.killNow();
		this.dev = null;
	}
}
