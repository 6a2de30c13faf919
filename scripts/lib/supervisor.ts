// The children of `npm start` (scripts/start.ts) and what happens when one ends. The portal (wrangler
// dev) is essential: if it stops, everything stops. The local reader helper is not: a person may stop it
// (Ctrl+C in its own terminal, a crash, a busy port) and start it again with `npm run reader`, while the
// portal keeps serving — as on a real PC, where the helper is a separate program. Ctrl+C on `npm start`
// itself (SIGINT / SIGTERM) stops every child.

import { type ChildProcess, spawn } from "node:child_process";

/** How long children get to shut down after a signal before they are killed. */
export const STOP_GRACE_MS = 5_000;

export type ChildSpec = {
	name: string;
	/** Arguments for the pinned Node that runs this script (process.execPath). */
	args: readonly string[];
	/** An essential child's end stops the others; a non-essential one's is reported and the rest go on. */
	essential: boolean;
	/** Printed when a non-essential child ends on its own: how to start it again. */
	restartHint?: string;
};

export type SupervisorOptions = {
	cwd: string;
	env?: NodeJS.ProcessEnv;
	/** Called once, when every child has ended after an essential one stopped (or a signal): the exit code. */
	onAllStopped: (code: number) => void;
	log?: (line: string) => void;
	/** stdio of the children: "inherit" for `npm start`, "ignore" in tests. */
	stdio?: "inherit" | "ignore";
};

type Running = { spec: ChildSpec; process: ChildProcess };

export class Supervisor {
	readonly #options: SupervisorOptions;
	readonly #children: Running[] = [];
	#stopping = false;
	#exitCode = 0;
	#reported = false;

	constructor(options: SupervisorOptions) {
		this.#options = options;
	}

	get stopping(): boolean {
		return this.#stopping;
	}

	start(spec: ChildSpec): ChildProcess {
		const child = spawn(process.execPath, [...spec.args], { cwd: this.#options.cwd, stdio: this.#options.stdio ?? "inherit", env: this.#options.env ?? process.env });
		const entry = { spec, process: child };
		this.#children.push(entry);
		child.on("error", (err) => {
			// A child that could not be spawned never exits: it is no longer waited for.
			this.#children.splice(this.#children.indexOf(entry), 1);
			this.#log(`${spec.name} could not start: ${err.message}`);
			if (spec.essential) this.#fail(1);
			this.#maybeDone();
		});
		child.on("exit", (code, signal) => {
			if (!this.#stopping) {
				const how = signal ?? `exit ${code}`;
				if (spec.essential) {
					this.#log(`\n${spec.name} stopped (${how}); stopping the rest.`);
					this.#fail(code ?? 1);
				} else {
					this.#log(`\n${spec.name} stopped (${how}); the portal keeps running.${spec.restartHint ? ` ${spec.restartHint}` : ""}`);
				}
			}
			this.#maybeDone();
		});
		return child;
	}

	/** Stops every child still running (SIGINT / SIGTERM to `npm start`). */
	stopAll(signal: NodeJS.Signals): void {
		if (this.#stopping) return;
		this.#stopping = true;
		const running = this.#running();
		for (const c of running) c.process.kill(signal);
		setTimeout(() => {
			for (const c of running) if (isRunning(c.process)) c.process.kill("SIGKILL");
		}, STOP_GRACE_MS).unref();
		this.#maybeDone();
	}

	#fail(code: number): void {
		this.#exitCode = code;
		this.stopAll("SIGTERM");
	}

	#running(): Running[] {
		return this.#children.filter((c) => isRunning(c.process));
	}

	#maybeDone(): void {
		if (!this.#stopping || this.#reported || this.#running().length > 0) return;
		this.#reported = true;
		this.#options.onAllStopped(this.#exitCode);
	}

	#log(line: string): void {
		(this.#options.log ?? console.error)(line);
	}
}

function isRunning(child: ChildProcess): boolean {
	return child.exitCode === null && child.signalCode === null;
}
