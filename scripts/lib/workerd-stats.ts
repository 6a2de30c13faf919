// The workerd processes under a process tree, seen through Linux /proc: VmRSS sampled on a timer (the peak
// of the sum over all workerd processes), VmHWM (the kernel's own high-water mark) and CPU time used.

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

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM), or null when the process is gone. */
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

export type WorkerdStats = {
	/** Peak of the summed VmRSS of all workerd processes, MB. */
	peakRssMb: number;
	/** Summed VmRSS when sampling started, MB. */
	startRssMb: number;
	/** Peak VmRSS of each process, MB. */
	peakRssMbByPid: Map<number, number>;
	/** Summed VmHWM at the end (null when a process is gone), MB. */
	hwmMb: number | null;
	/** CPU time the workerd processes used while sampling, ms. */
	cpuMs: number;
	samples: number;
};

/** Samples the workerd processes under `rootPid` every `everyMs` until stop(). */
export class WorkerdSampler {
	#rootPid: number;
	#timer: NodeJS.Timeout | null = null;
	#pids: number[] = [];
	#peakRssKb = 0;
	#startRssKb: number | null = null;
	#peakByPid = new Map<number, number>();
	#samples = 0;
	/** CPU ms of each process when sampling started; a process that appears later (a restart) counts from 0. */
	#cpuAtStart = new Map<number, number>();

	constructor(rootPid: number) {
		this.#rootPid = rootPid;
	}

	/** Starts sampling; returns the workerd processes found. */
	start(everyMs: number): number[] {
		this.#pids = descendantsNamed(this.#rootPid, "workerd");
		for (const pid of this.#pids) this.#cpuAtStart.set(pid, cpuMs(pid) ?? 0);
		this.#sample();
		this.#timer = setInterval(() => this.#sample(), everyMs);
		return this.#pids;
	}

	#sample(): void {
		let sum = 0;
		let alive = 0;
		for (const pid of this.#pids) {
			const kb = statusKb(pid, "VmRSS");
			if (kb === null) continue;
			sum += kb;
			alive++;
			this.#peakByPid.set(pid, Math.max(this.#peakByPid.get(pid) ?? 0, kb));
		}
		this.#samples++;
		this.#startRssKb ??= sum;
		this.#peakRssKb = Math.max(this.#peakRssKb, sum);
		// wrangler dev restarts workerd when it reloads: look the processes up again.
		if (alive < this.#pids.length || this.#pids.length === 0) {
			this.#pids = descendantsNamed(this.#rootPid, "workerd");
			for (const pid of this.#pids) if (!this.#cpuAtStart.has(pid)) this.#cpuAtStart.set(pid, 0);
		}
	}

	stop(): WorkerdStats {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#sample();
		const hwm = this.#pids.map((pid) => statusKb(pid, "VmHWM"));
		const hwmKb = hwm.length > 0 && hwm.every((kb) => kb !== null) ? hwm.reduce<number>((a, b) => a + (b ?? 0), 0) : null;
		return {
			peakRssMb: this.#peakRssKb / 1024,
			startRssMb: (this.#startRssKb ?? 0) / 1024,
			peakRssMbByPid: new Map([...this.#peakByPid].map(([pid, kb]) => [pid, kb / 1024])),
			hwmMb: hwmKb === null ? null : hwmKb / 1024,
			cpuMs: this.#pids.reduce((sum, pid) => sum + (cpuMs(pid) ?? 0) - (this.#cpuAtStart.get(pid) ?? 0), 0),
			samples: this.#samples,
		};
	}
}
