// The workerd processes under a process tree, seen through Linux /proc: VmRSS and CPU time sampled on a
// timer, so that peaks and CPU use can be read for any time window of a run.

import { readdirSync, readFileSync } from "node:fs";

/** pid → parent pid and command name, for every process visible in /proc. */
function processTable(): Map<number, { ppid: number; comm: string }> {
	const table = new Map<number, { ppid: number; comm: string }>();
	for (const entry of readdirSync("/proc")) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			// "pid (comm) state ppid …": comm may contain spaces and parentheses, so split at the last ")".
			const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
			const close = stat.lastIndexOf(")");
			const comm = stat.slice(stat.indexOf("(") + 1, close);
			const ppid = Number(stat.slice(close + 2).split(" ")[1]);
			table.set(Number(entry), { ppid, comm });
		} catch {
			// the process ended while we looked
		}
	}
	return table;
}

/** PIDs of the processes named `name` below `rootPid` (at any depth). */
export function descendantsNamed(rootPid: number, name: string): number[] {
	const table = processTable();
	const children = new Map<number, number[]>();
	for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
	const found: number[] = [];
	const queue = [rootPid];
	for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
		for (const child of children.get(pid) ?? []) {
			if (table.get(child)?.comm === name) found.push(child);
			queue.push(child);
		}
	}
	return found;
}

/** A field of /proc/<pid>/status in kB, or null when the process is gone. */
function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number | null {
	try {
		const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) : null;
	} catch {
		return null;
	}
}

/** User + system CPU time of a process so far, in ms (clock ticks are 100 Hz on Linux). */
function cpuMs(pid: number): number | null {
	try {
		const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
		const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
		return (Number(fields[11]) + Number(fields[12])) * 10;
	} catch {
		return null;
	}
}

/** One sample: when, and each workerd process's VmRSS (kB) and CPU time so far (ms). */
type Sample = { at: number; rssKb: Map<number, number>; cpuMs: Map<number, number> };

export type WorkerdStats = {
	/** Peak of the summed VmRSS of all workerd processes, MB. */
	peakRssMb: number;
	/** Summed VmRSS at the window's first sample, MB. */
	startRssMb: number;
	/** Peak VmRSS of each process, MB. */
	peakRssMbByPid: Map<number, number>;
	/** CPU time the workerd processes used in the window, ms (a process that appears later counts from 0). */
	cpuMs: number;
	samples: number;
};

/** Samples the workerd processes under `rootPid` every `everyMs` until stop(); stats for any time window. */
export class WorkerdSampler {
	#rootPid: number;
	#timer: NodeJS.Timeout | null = null;
	#pids: number[] = [];
	#samples: Sample[] = [];

	constructor(rootPid: number) {
		this.#rootPid = rootPid;
	}

	/** Starts sampling; returns the workerd processes found. */
	start(everyMs: number): number[] {
		this.#pids = descendantsNamed(this.#rootPid, "workerd");
		this.#sample();
		this.#timer = setInterval(() => this.#sample(), everyMs);
		return this.#pids;
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#sample();
	}

	#sample(): void {
		const sample: Sample = { at: performance.now(), rssKb: new Map(), cpuMs: new Map() };
		for (const pid of this.#pids) {
			const kb = statusKb(pid, "VmRSS");
			const cpu = cpuMs(pid);
			if (kb !== null) sample.rssKb.set(pid, kb);
			if (cpu !== null) sample.cpuMs.set(pid, cpu);
		}
		this.#samples.push(sample);
		// wrangler dev restarts workerd when it reloads: look the processes up again.
		if (sample.rssKb.size < this.#pids.length || this.#pids.length === 0) this.#pids = descendantsNamed(this.#rootPid, "workerd");
	}

	/** Each live workerd process's VmHWM now (the kernel's peak RSS since the process started), MB. */
	highWaterMb(): Map<number, number> {
		const out = new Map<number, number>();
		for (const pid of this.#pids) {
			const kb = statusKb(pid, "VmHWM");
			if (kb !== null) out.set(pid, kb / 1024);
		}
		return out;
	}

	/** Stats of the samples taken from `from` to `to` (performance.now() times; default: all). */
	stats(from = 0, to = Number.POSITIVE_INFINITY): WorkerdStats {
		const window = this.#samples.filter((s) => s.at >= from && s.at <= to);
		const first = window[0];
		const last = window.at(-1);
		const sum = (m: Map<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
		const peakByPid = new Map<number, number>();
		let peakKb = 0;
		for (const s of window) {
			peakKb = Math.max(peakKb, sum(s.rssKb));
			for (const [pid, kb] of s.rssKb) peakByPid.set(pid, Math.max(peakByPid.get(pid) ?? 0, kb));
		}
		let cpu = 0;
		for (const [pid, end] of last?.cpuMs ?? []) cpu += end - (first?.cpuMs.get(pid) ?? 0);
		return {
			peakRssMb: peakKb / 1024,
			startRssMb: first ? sum(first.rssKb) / 1024 : 0,
			peakRssMbByPid: new Map([...peakByPid].map(([pid, kb]) => [pid, kb / 1024])),
			cpuMs: cpu,
			samples: window.length,
		};
	}
}
