// The local reader helper (reader/main.ts, virtual backend by default) for scripts and tests that need one
// of their own: the browser-test runner gives it the demo cards and certificates in a throw-away keys
// directory, a free port and the throw-away portal's origins as its only allowed origins; a browser test
// starts one on --backend pkcs11 over SoftHSM2 tokens. Its own process group, like
// wrangler dev, so stopping it leaves nothing listening.

import "reflect-metadata"; // createDevPki → @peculiar/x509 → tsyringe needs the Reflect metadata API first
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type DemoDataSet, readerKeyFile } from "../demo-data.ts";
import { createDevPki } from "../dev-pki.ts";
import { ROOT, sleep } from "./wrangler-dev.ts";

const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;

/**
 * Writes cards.json and certs.json for `data` into `dir` (as the seed and scripts/dev-pki.ts write them
 * into .reader-keys/) and returns the dev root's PEM, the portal's TRUSTED_ROOTS_PEM for them.
 */
export async function writeReaderKeys(dir: string, data: DemoDataSet): Promise<string> {
	mkdirSync(dir, { recursive: true, mode: 0o700 });
	const pki = await createDevPki(data);
	writeFileSync(path.join(dir, "cards.json"), JSON.stringify(readerKeyFile(data)), { mode: 0o600 });
	writeFileSync(path.join(dir, "certs.json"), JSON.stringify(pki.certificates), { mode: 0o600 });
	return pki.rootPem;
}

export type ReaderHelperOptions = {
	port: number;
	keysDir: string;
	allowOrigins: readonly string[];
	logFile: string;
	/** virtual (default) or pkcs11 on `pkcs11Module`, with `env` (e.g. SOFTHSM2_CONF) for the helper. */
	backend?: { name: "virtual" } | { name: "pkcs11"; module: string; env: Record<string, string> };
};

export class ReaderHelper {
	readonly url: string;
	readonly logFile: string;
	#child: ChildProcess;
	#exited: Promise<void>;

	private constructor(child: ChildProcess, url: string, logFile: string) {
		this.#child = child;
		this.url = url;
		this.logFile = logFile;
		this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
	}

	static async start(options: ReaderHelperOptions): Promise<ReaderHelper> {
		const backend = options.backend ?? { name: "virtual" };
		const args = [
			path.join(ROOT, "reader", "main.ts"),
			"--backend", backend.name,
			...(backend.name === "pkcs11" ? ["--pkcs11-module", backend.module] : []),
			"--port", String(options.port),
			"--keys-dir", options.keysDir,
			...options.allowOrigins.flatMap((origin) => ["--allow-origin", origin]),
		];
		const log = createWriteStream(options.logFile);
		const env = { ...process.env, ...(backend.name === "pkcs11" ? backend.env : {}) };
		const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
		child.stdout?.pipe(log);
		child.stderr?.pipe(log);
		const helper = new ReaderHelper(child, `http://127.0.0.1:${options.port}`, options.logFile);
		try {
			await helper.#waitUntilReady();
		} catch (err) {
			await helper.stop();
			throw err;
		}
		return helper;
	}

	get pid(): number {
		return this.#child.pid ?? -1;
	}

	async #waitUntilReady(): Promise<void> {
		const deadline = Date.now() + READY_TIMEOUT_MS;
		while (Date.now() < deadline) {
			if (this.#child.exitCode !== null) throw new Error(`the reader helper exited:\n${readLog(this.logFile)}`);
			try {
				// Any answer (a 404 for "/") means it listens, which it does only once its backend is open.
				await fetch(`${this.url}/`, { signal: AbortSignal.timeout(1_000) });
				return;
			} catch {
				// Not listening yet.
			}
			await sleep(100);
		}
		throw new Error(`the reader helper did not answer within ${READY_TIMEOUT_MS / 1000} s:\n${readLog(this.logFile)}`);
	}

	async stop(): Promise<void> {
		if (!this.#signal("SIGTERM")) return;
		const timer = setTimeout(() => this.#signal("SIGKILL"), STOP_GRACE_MS);
		await this.#exited;
		clearTimeout(timer);
	}

	killNow(): void {
		this.#signal("SIGKILL");
	}

	#signal(signal: NodeJS.Signals): boolean {
		if (this.#child.pid === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null) return false;
		try {
			process.kill(-this.#child.pid, signal);
			return true;
		} catch {
			return false;
		}
	}
}

function readLog(file: string): string {
	try {
		return readFileSync(file, "utf8").trim().split("\n").slice(-20).join("\n");
	} catch {
		return "";
	}
}
