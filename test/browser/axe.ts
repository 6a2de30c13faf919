// The automated accessibility check of every page the browser tests open (issue 15 item 7): axe-core
// (from the npm registry, a devDependency) evaluated into the page through Playwright — over the
// DevTools protocol, so the portal's CSP (no inline script) stays as it is. Each distinct page is
// checked once per test file (pageKey), however often the tests load it. Findings of impact
// "serious" or "critical" fail the test that opened the page; every finding is also appended to
// test-results/browser/axe-findings.jsonl, for a person to read.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const FINDINGS_FILE = path.resolve(import.meta.dirname, "..", "..", "test-results", "browser", "axe-findings.jsonl");

/** What fails a test; "moderate" and "minor" findings are only written down. */
export const BLOCKING_IMPACTS: readonly string[] = ["serious", "critical"];

export type AxeFinding = { id: string; impact: string; help: string; targets: string[] };

type AxeResults = { violations: { id: string; impact?: string | null; help: string; nodes: { target: unknown[] }[] }[] };
type AxeWindow = { axe?: { run(context: Document, options: object): Promise<AxeResults> } };

/** The check in progress per page: axe-core refuses a second run while one is going on. */
const running = new WeakMap<Page, Promise<unknown>>();

/** Runs axe-core on the page as it is now (after any check of it still running). */
export function runAxe(page: Page): Promise<AxeFinding[]> {
	const previous = running.get(page) ?? Promise.resolve();
	const next = previous.then(
		() => axeOnce(page),
		() => axeOnce(page),
	);
	running.set(page, next.catch(() => undefined));
	return next;
}

async function axeOnce(page: Page): Promise<AxeFinding[]> {
	if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(`${AXE_SOURCE}\n;undefined`);
	return page.evaluate(async () => {
		const { axe } = window as unknown as AxeWindow;
		if (!axe) throw new Error("axe-core did not load");
		const results = await axe.run(document, { resultTypes: ["violations"] });
		return results.violations.map((v) => ({
			id: v.id,
			impact: v.impact ?? "unknown",
			help: v.help,
			targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(" ")),
		}));
	});
}

/** Pages already checked by this test process: "the same page" is checked once (axe takes ~1 s a page). */
const checked = new Set<string>();

/**
 * What makes a page "the same page" again: its path with ids left out, the query values that choose a
 * different page (the sign-in method, the records filter), whether a ticket is present, an alert, the
 * page's own state marker, and a narrow or wide layout.
 */
async function pageKey(page: Page): Promise<string> {
	return page.evaluate(() => {
		const path = location.pathname.replace(/\/[A-Za-z0-9_-]{16,}(?=\/|$)/g, "/:id");
		const params = new URLSearchParams(location.search);
		const chosen = ["method", "status", "done"].map((name) => `${name}=${params.get(name) ?? ""}`).join("&");
		const ticket = params.has("ticket") ? "ticket" : "";
		const alert = document.querySelector('[role="alert"]') ? "alert" : "";
		const state = document.querySelector("[data-state]")?.getAttribute("data-state") ?? "";
		const width = window.innerWidth < 768 ? "narrow" : "wide";
		return [path, chosen, ticket, alert, state, width].join("|");
	});
}

/** Runs axe-core unless this process has already checked the same page; null when it had. */
export async function runAxeOncePerPage(page: Page): Promise<AxeFinding[] | null> {
	const key = await pageKey(page);
	if (checked.has(key)) return null;
	checked.add(key);
	return runAxe(page);
}

/** Appends the page's findings (none is a line too: the page was checked) to the findings file. */
export function recordFindings(test: string, url: string, findings: readonly AxeFinding[]): void {
	mkdirSync(path.dirname(FINDINGS_FILE), { recursive: true });
	appendFileSync(FINDINGS_FILE, `${JSON.stringify({ test, url, findings })}\n`);
}
