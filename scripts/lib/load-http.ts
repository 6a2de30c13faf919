// Measured HTTP for the benches: every request goes through timedFetch(), which bounds it in time, reads
// the whole answer and records its latency and outcome under a route name in RouteStats; and the
// benches' statistics (percentiles, min / median / max over runs).

/** One request's outcome: its status code, or "timeout" / "network" when no answer came. */
export type Outcome = number | "timeout" | "network";

type RouteRecord = { latenciesMs: number[]; byOutcome: Map<string, number>; errors: Map<string, number> };

export type RouteSummary = {
	route: string;
	count: number;
	perSecond: number;
	p50: number;
	p95: number;
	p99: number;
	max: number;
	errors: Record<string, number>;
};

/** Min / median / max of a set of runs' figures, to one decimal. */
export function spread(values: readonly number[]): { min: number; median: number; max: number } {
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	const median = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
	return { min: round1(sorted[0] ?? 0), median: round1(median), max: round1(sorted.at(-1) ?? 0) };
}

export function percentile(sorted: readonly number[], p: number): number {
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Latencies and outcomes by route ("POST /batches", "GET /batches", …) for one measured phase. */
export class RouteStats {
	#routes = new Map<string, RouteRecord>();
	#startedAt = performance.now();
	#endedAt: number | null = null;

	start(): void {
		this.#routes.clear();
		this.#startedAt = performance.now();
		this.#endedAt = null;
	}

	stop(): void {
		this.#endedAt = performance.now();
	}

	durationMs(): number {
		return (this.#endedAt ?? performance.now()) - this.#startedAt;
	}

	/** `problem`: why an answer counts as an error (a status other than expected, a timeout, a refusal). */
	record(route: string, ms: number, outcome: Outcome, problem: string | null): void {
		let r = this.#routes.get(route);
		if (!r) {
			r = { latenciesMs: [], byOutcome: new Map(), errors: new Map() };
			this.#routes.set(route, r);
		}
		r.latenciesMs.push(ms);
		r.byOutcome.set(String(outcome), (r.byOutcome.get(String(outcome)) ?? 0) + 1);
		if (problem !== null) r.errors.set(problem, (r.errors.get(problem) ?? 0) + 1);
	}

	/** How many answers with a 5xx status, over all routes. */
	serverErrors(): number {
		let n = 0;
		for (const r of this.#routes.values()) for (const [outcome, count] of r.byOutcome) if (/^5\d\d$/.test(outcome)) n += count;
		return n;
	}

	summaries(): RouteSummary[] {
		const seconds = this.durationMs() / 1000;
		return [...this.#routes].map(([route, r]) => {
			const sorted = [...r.latenciesMs].sort((a, b) => a - b);
			return {
				route,
				count: sorted.length,
				perSecond: round1(sorted.length / seconds),
				p50: Math.round(percentile(sorted, 50)),
				p95: Math.round(percentile(sorted, 95)),
				p99: Math.round(percentile(sorted, 99)),
				max: Math.round(sorted.at(-1) ?? 0),
				errors: Object.fromEntries(r.errors),
			};
		});
	}

	table(): string {
		const rows = this.summaries().map((s) => [
			s.route,
			String(s.count),
			s.perSecond.toFixed(1),
			String(s.p50),
			String(s.p95),
			String(s.p99),
			String(s.max),
			Object.entries(s.errors).map(([k, v]) => `${k}: ${v}`).join(", ") || "0",
		]);
		const head = ["route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"];
		const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
		const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
		return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
	}
}

export type TimedAnswer = { status: number; text: string; headers: Headers };

/**
 * fetch bounded by `timeoutMs`, the whole body read; recorded in `stats` under `route`. `check` says
 * what is wrong with an answer (null: nothing). Resolves with the answer, or null when none came.
 */
export async function timedFetch(
	stats: RouteStats | null,
	route: string,
	url: string,
	init: RequestInit & { timeoutMs: number },
	check: (answer: TimedAnswer) => string | null,
): Promise<TimedAnswer | null> {
	const { timeoutMs, ...rest } = init;
	const t0 = performance.now();
	try {
		const res = await fetch(url, { redirect: "manual", ...rest, signal: AbortSignal.timeout(timeoutMs) });
		const text = await res.text();
		const answer = { status: res.status, text, headers: res.headers };
		stats?.record(route, performance.now() - t0, res.status, check(answer));
		return answer;
	} catch (err) {
		const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
		stats?.record(route, performance.now() - t0, timedOut ? "timeout" : "network", timedOut ? "timeout" : "network");
		return null;
	}
}

/** Expect exactly `status`; anything else is reported as that status. */
export function expectStatus(status: number): (answer: TimedAnswer) => string | null {
	return (a) => (a.status === status ? null : String(a.status));
}

export function round1(n: number): number {
	return Math.round(n * 10) / 10;
}
