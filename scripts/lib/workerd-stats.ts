// The workerd processes under a process tree, seen through Linux /proc: VmRSS sampled on a timer, so that
// peaks can be read for any time window of a run.

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
			table.set(Number(entry), { ppid: Number(stat.slice(close + 2).split(" ")[1]), comm: stat.slice(stat.indexOf("(") + 1, close) });
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

/** VmRSS of a process in kB, or null when it is gone. */
function rssKb(pid: number): number | null {
	try {
		const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
		return match ? Number(match[1]) : null;
	} catch {
		return null;
	}
}

/** Samples the workerd processes under `rootPid` every `everyMs` until stop(); peaks for any time window. */
export class WorkerdSampler {
	#rootPid: number;
	#timer: NodeJS.Timeout | null = null;
	#pids: number[] = [];
	#samples: { at: number; rssKb: Map<number, number> }[] = [];

	constructor(rootPid: number) {
		this.#rootPid = rootPid;
	}

	start(everyMs: number): void {
		this.#pids = descendantsNamed(this.#rootPid, "workerd");
		this.#sample();
		this.#timer = setInterval(() => this.#sample(), everyMs);
	}

	stop(): void {
		if (this.#timer) clearInterval(this.#timer);
		this.#timer = null;
		this.#sample();
	}

	#sample(): void {
		const rss = new Map<number, number>();
		for (const pid of this.#pids) {
			const kb = rssKb(pid);
			if (kb !== null) rss.set(pid, kb);
		}
		this.#samples.push({ at: performance.now(), rssKb: rss });
		// wrangler dev restarts workerd when it reloads: look the processes up again.
		if (rss.size < this.#pids.length || this.#pids.length === 0) this.#pids = descendantsNamed(this.#rootPid, "workerd");
	}

	/** Peak VmRSS of each process, MB, over the samples from `from` to `to` (performance.now() times). */
	stats(from: number, to: number): { peakRssMbByPid: Map<number, number> } {
		const peak = new Map<number, number>();
		for (const s of this.#samples) {
			if (s.at < from || s.at > to) continue;
			for (const [pid, kb] of s.rssKb) peak.set(pid, Math.max(peak.get(pid) ?? 0, kb / 1024));
		}
		return { peakRssMbByPid: peak };
	}
}
