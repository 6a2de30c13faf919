// A real PC/SC stack for the pcsc backend's tests, with no hardware: a private pcscd of our own (never the
// machine's, which may be serving a real reader), loading vsmartcard's vpcd driver from a reader.conf.d of
// our own on a free port pair, which gives two readers ("Virtual PCD 00 00" on port, "… 00 01" on port+1).
// A card is put in a reader by starting nhi_card_emulator.py (vsmartcard's VirtualICC, connecting to that
// port) and taken out by stopping it.
//
// pcscd's socket path is fixed (/run/pcscd/pcscd.comm), so ours runs in its own mount namespace
// (`unshare --map-root-user --mount`: root is not needed) with a temp dir bound over /run; clients find it
// through PCSCLITE_CSOCK_NAME, which libpcsclite reads once per process. Every process started here is
// stopped by stop(), or killed when the test process exits.

import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { importOptional } from "../../backends/optional-module.ts";

const VPCD_DRIVER_PATHS = ["/usr/lib/pcsc/drivers/serial/libifdvpcd.so", "/usr/local/lib/pcsc/drivers/serial/libifdvpcd.so"];
const VIRTUALSMARTCARD_PATHS = ["/usr/lib/python3/site-packages/virtualsmartcard", "/usr/lib/python3/dist-packages/virtualsmartcard"];
const EMULATOR = path.join(import.meta.dirname, "nhi_card_emulator.py");
const PYTHON = "/usr/bin/python3";
const READY_TIMEOUT_MS = 15_000;
export const READER_NAMES = ["Virtual PCD 00 00", "Virtual PCD 00 01"] as const;

type Smartcard = {
	Context: new () => { listReaders(): { name: string; state: number }[]; close(): void };
	SCARD_STATE_PRESENT: number;
};

function isSmartcard(value: unknown): value is Smartcard {
	return typeof value === "object" && value !== null && "Context" in value && "SCARD_STATE_PRESENT" in value;
}

async function smartcard(): Promise<Smartcard> {
	const mod = await importOptional("smartcard", "npm install");
	if (!isSmartcard(mod)) throw new Error("the smartcard module has an unexpected shape");
	return mod;
}

export type EmulatedCard = { cardNo: string; name: string; idNo: string; birthDate: string; sex: "M" | "F"; issuedOn: string };

function hasCommand(name: string): boolean {
	try {
		execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

/** What this machine lacks for the stack, in words; undefined when nothing. */
export function pcscStackMissing(): string | undefined {
	const missing = [
		...(hasCommand("pcscd") ? [] : ["pcscd (apt-get install pcscd)"]),
		...(VPCD_DRIVER_PATHS.some((p) => existsSync(p)) ? [] : ["vsmartcard's vpcd (apt-get install vsmartcard-vpcd)"]),
		...(existsSync(PYTHON) && VIRTUALSMARTCARD_PATHS.some((p) => existsSync(p)) ? [] : ["python3-virtualsmartcard (apt-get install python3-virtualsmartcard)"]),
		...(hasCommand("unshare") ? [] : ["unshare (util-linux)"]),
	];
	return missing.length === 0 ? undefined : missing.join(", ");
}

function portFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = createServer();
		server.once("error", () => resolve(false));
		server.listen({ port, host: "0.0.0.0" }, () => server.close(() => resolve(true)));
	});
}

/** A port p with p+1 also free (vpcd listens on both, one per reader). */
async function freePortPair(): Promise<number> {
	for (let tries = 0; tries < 50; tries++) {
		const port = 20_000 + Math.floor(Math.random() * 40_000);
		if ((await portFree(port)) && (await portFree(port + 1))) return port;
	}
	throw new Error("no free port pair for vpcd");
}

function stopChild(child: ChildProcess | undefined): Promise<void> {
	if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
		child.once("exit", () => {
			clearTimeout(timer);
			resolve();
		});
		child.kill("SIGTERM");
	});
}

export class PcscStack {
	/** For PCSCLITE_CSOCK_NAME. */
	readonly socket: string;
	readonly #dir: string;
	readonly #port: number;
	readonly #pcscd: ChildProcess;
	readonly #cards = new Map<number, ChildProcess>();

	private constructor(dir: string, port: number, pcscd: ChildProcess) {
		this.#dir = dir;
		this.#port = port;
		this.#pcscd = pcscd;
		this.socket = path.join(dir, "run", "pcscd", "pcscd.comm");
	}

	static async start(): Promise<PcscStack> {
		const driver = VPCD_DRIVER_PATHS.find((p) => existsSync(p));
		if (!driver) throw new Error("vpcd is not installed");
		const dir = mkdtempSync(path.join(tmpdir(), "pcsc-stack-"));
		const port = await freePortPair();
		mkdirSync(path.join(dir, "reader.conf.d"));
		mkdirSync(path.join(dir, "run"));
		// DEVICENAME /dev/null:<port>: vpcd waits for virtual cards on <port> (and <port>+1 for its second reader).
		writeFileSync(path.join(dir, "reader.conf.d", "vpcd"), `FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:${port}\nLIBPATH ${driver}\nCHANNELID ${port}\n`);
		const script = `mount --bind "$1" /run && mkdir -p /run/pcscd && exec pcscd --foreground --config "$2"`;
		const pcscd = spawn("unshare", ["--map-root-user", "--mount", "sh", "-c", script, "sh", path.join(dir, "run"), path.join(dir, "reader.conf.d")], {
			stdio: ["ignore", "pipe", "pipe"],
		});
		const log: Buffer[] = [];
		pcscd.stdout?.on("data", (b: Buffer) => log.push(b));
		pcscd.stderr?.on("data", (b: Buffer) => log.push(b));
		const stack = new PcscStack(dir, port, pcscd);
		// libpcsclite reads it once per process, at its first context: set before any is made here.
		process.env.PCSCLITE_CSOCK_NAME = stack.socket;
		process.once("exit", () => stack.#killNow());
		const deadline = Date.now() + READY_TIMEOUT_MS;
		while (!((await portFree(port)) === false && existsSync(stack.socket))) {
			if (pcscd.exitCode !== null || Date.now() > deadline) {
				await stack.stop();
				throw new Error(`pcscd did not start: ${Buffer.concat(log).toString("utf8").trim() || `exit ${pcscd.exitCode}`}`);
			}
			await sleep(100);
		}
		return stack;
	}

	/** Puts `card` (or, with null, a card without the NHI applet: SELECT answers 6A 82) into reader 0 or 1. */
	async insert(reader: 0 | 1, card: EmulatedCard | null): Promise<void> {
		await this.remove(reader);
		const args = [EMULATOR, "--port", String(this.#port + reader), ...(card ? ["--card", JSON.stringify(card)] : ["--no-nhi-applet"])];
		const child = spawn(PYTHON, args, { stdio: ["ignore", "ignore", "pipe"] });
		const errors: Buffer[] = [];
		child.stderr?.on("data", (b: Buffer) => errors.push(b));
		this.#cards.set(reader, child);
		await this.#waitForCard(reader, true, () => (child.exitCode !== null ? `the emulated card exited: ${Buffer.concat(errors).toString("utf8")}` : undefined));
	}

	async remove(reader: 0 | 1): Promise<void> {
		const child = this.#cards.get(reader);
		if (!child) return;
		this.#cards.delete(reader);
		await stopChild(child);
		await this.#waitForCard(reader, false, () => undefined);
	}

	/** Until pcscd itself reports the card in (or out of) the reader: it polls a serial reader's slot. */
	async #waitForCard(reader: 0 | 1, present: boolean, failure: () => string | undefined): Promise<void> {
		const sc = await smartcard();
		const deadline = Date.now() + READY_TIMEOUT_MS;
		for (;;) {
			const context = new sc.Context();
			try {
				const state = context.listReaders().find((r) => r.name === READER_NAMES[reader])?.state ?? 0;
				if (((state & sc.SCARD_STATE_PRESENT) !== 0) === present) return;
			} finally {
				context.close();
			}
			const why = failure() ?? (Date.now() > deadline ? `pcscd never saw the card ${present ? "inserted" : "removed"}` : undefined);
			if (why) throw new Error(why);
			await sleep(50);
		}
	}

	/** Stops pcscd itself (the cards stay "in" their readers until stop()). */
	async stopPcscd(): Promise<void> {
		await stopChild(this.#pcscd);
	}

	async stop(): Promise<void> {
		await this.stopPcscd();
		for (const child of this.#cards.values()) await stopChild(child);
		this.#cards.clear();
		rmSync(this.#dir, { recursive: true, force: true });
	}

	#killNow(): void {
		for (const child of [...this.#cards.values(), this.#pcscd]) if (child.exitCode === null) child.kill("SIGKILL");
	}
}
