// Real-browser test harness: Chromium (CHROMIUM_PATH: the one the runner found) driven by playwright-core
// against the portal that scripts/browser-tests.ts started (PORTAL_URL). Each test gets fresh browser
// contexts (one per person signed in), every page is watched for console errors, uncaught exceptions and
// CSP violations and, each time it loads, checked by axe-core (axe.ts); a failing test leaves screenshots
// of its open pages in test-results/browser/.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import { chromium, type Browser, type BrowserContext, type Download, type Page } from "playwright-core";
import { maskIdNo } from "../../workers/domain/mask.ts";
import { BLOCKING_IMPACTS, recordFindings, runAxeOncePerPage, type AxeFinding } from "./axe.ts";
import { demoStaff, type DemoStaffMember, type StaffRole } from "./fixtures.ts";

export const PORTAL_URL = requiredEnv("PORTAL_URL").replace(/\/$/, "");
/** Set by the runner (scripts/lib/chromium.ts): CHROMIUM_PATH, Debian's Chromium or the one npm installed. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
	"--disable-quic",
	"--no-first-run",
];
const RESULTS_DIR = path.resolve(import.meta.dirname, "..", "..", "test-results", "browser");
/** A phone's screen in CSS pixels (issue 13 item 7). */
export const PHONE_VIEWPORT = { width: 390, height: 844 };
/** One page's axe-core check takes well under a second; a page that never answers gets this long. */
const AUDIT_TIMEOUT_MS = 30_000;
/** Playwright's wait for any one element or navigation; a batch of a few rows ends well within it. */
const ACTION_TIMEOUT_MS = 20_000;

function requiredEnv(name: string): string {
	const value = process.env[name];
	if (!value) throw new Error(`${name} is not set: run the browser tests with \`npm run test:browser\``);
	return value;
}

/**
 * One Chromium for the test file, launched before its first test and closed after the last (with
 * `extraArgs` besides the usual switches, e.g. an address-space override). Playwright
 * gives each launch a fresh, throw-away --user-data-dir (under TMPDIR, which the runner points at its
 * own temp dir, so it can find and stop a Chromium that outlived a crashed test process).
 */
export function useBrowser(extraArgs: readonly string[] = []): () => Browser {
	let browser: Browser | undefined;
	before(async () => {
		browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60_000 });
	});
	after(async () => {
		await browser?.close();
	});
	return () => {
		if (!browser) throw new Error("the browser is not running");
		return browser;
	};
}

/** What a test may do with the browser: open pages as different people, each in its own context. */
export class Harness {
	/** Console errors, uncaught exceptions and CSP violations seen on any page of the test. */
	readonly problems: string[] = [];
	readonly #browser: Browser;
	readonly #contexts: BrowserContext[] = [];
	/** Console messages a test expects (e.g. the 422 of a rejected upload), matched once each. */
	readonly #expected: RegExp[] = [];
	readonly #testName: string;
	/** The accessibility checks started on page loads, awaited before the test's verdict. */
	readonly #audits: Promise<void>[] = [];

	constructor(browser: Browser, testName = "") {
		this.#browser = browser;
		this.#testName = testName;
	}

	/**
	 * A new person at a new browser: own cookies, zh-TW, Taipei time. `phone`: a 390 × 844 touch screen
	 * (a registrant opening the mail's link on a phone). Its pages are checked by axe-core as they load,
	 * unless `audit` is false.
	 */
	async newPage(options: { javaScriptEnabled?: boolean; phone?: boolean; audit?: boolean } = {}): Promise<Page> {
		const context = await this.#browser.newContext({
			baseURL: PORTAL_URL,
			locale: "zh-TW",
			timezoneId: "Asia/Taipei",
			acceptDownloads: true,
			javaScriptEnabled: options.javaScriptEnabled ?? true,
			...(options.phone ? { viewport: PHONE_VIEWPORT, isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
		});
		context.setDefaultTimeout(ACTION_TIMEOUT_MS);
		this.#contexts.push(context);
		// Reports CSP violations even where Chromium would not log them to the console.
		await context.addInitScript(() => {
			document.addEventListener("securitypolicyviolation", (e) => {
				console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
			});
		});
		// axe-core runs as the page's own script: a page without JavaScript cannot be checked (its pages
		// are the same pages other tests check with JavaScript on). `audit: false`: the test runs axe itself.
		const audited = (options.javaScriptEnabled ?? true) && (options.audit ?? true);
		context.on("page", (page) => this.#watch(page, audited));
		return context.newPage();
	}

	/** The next console error matching `pattern` is expected, not a problem. */
	expectConsoleError(pattern: RegExp): void {
		this.#expected.push(pattern);
	}

	#watch(page: Page, audited: boolean): void {
		page.on("console", (msg) => {
			const text = msg.text();
			const csp = /Content Security Policy|CSP violation/i.test(text);
			if (msg.type() !== "error" && !csp) return;
			const expected = this.#expected.findIndex((re) => re.test(text));
			if (expected >= 0 && !csp) {
				this.#expected.splice(expected, 1);
				return;
			}
			// For a failed load, the location is the resource that failed (e.g. /favicon.ico), not the page.
			const source = msg.location().url;
			const where = source && source !== page.url() ? ` (${source})` : "";
			this.problems.push(`console.${msg.type()} on ${page.url()}: ${text}${where}`);
		});
		page.on("pageerror", (err) => this.problems.push(`uncaught ${err.name} on ${page.url()}: ${err.message}`));
		// Every page the test opens is checked for accessibility once it has loaded.
		if (audited) {
			page.on("load", () => {
				this.#audits.push(this.#audit(page));
			});
		}
	}

	async #audit(page: Page): Promise<void> {
		const url = page.url();
		let findings: AxeFinding[];
		let timer: NodeJS.Timeout | undefined;
		const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), AUDIT_TIMEOUT_MS)));
		try {
			const result = await Promise.race([runAxeOncePerPage(page), timeout]);
			if (result === "timeout") {
				if (!page.isClosed() && page.url() === url) this.problems.push(`axe-core did not finish on ${url} within ${AUDIT_TIMEOUT_MS / 1000} s`);
				return;
			}
			if (result === null) return; // this page was checked before
			findings = result;
		} catch {
			// The page navigated on (or closed) while it was being checked: its next load is checked instead.
			return;
		} finally {
			clearTimeout(timer);
		}
		recordFindings(this.#testName, url, findings);
		for (const f of findings.filter((x) => BLOCKING_IMPACTS.includes(x.impact))) {
			this.problems.push(`axe ${f.impact} "${f.id}" on ${url}: ${f.help} (${f.targets.join(", ")})`);
		}
	}

	/** Waits for the accessibility checks of the pages loaded so far. */
	async settle(): Promise<void> {
		while (this.#audits.length > 0) await Promise.allSettled(this.#audits.splice(0));
	}

	pages(): Page[] {
		return this.#contexts.flatMap((c) => c.pages());
	}

	/** Full-page screenshots of every open page; returns their paths. */
	async screenshots(testName: string): Promise<string[]> {
		mkdirSync(RESULTS_DIR, { recursive: true });
		const slug = testName.replace(/[^\p{L}\p{N}]+/gu, "-").replace(/^-|-$/g, "").slice(0, 80);
		const files: string[] = [];
		for (const [i, page] of this.pages().entries()) {
			const file = path.join(RESULTS_DIR, `${slug}-${i + 1}.png`);
			try {
				await page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
				files.push(file);
			} catch {
				// A crashed or closed page has nothing to show; the failure itself is what matters.
			}
		}
		return files;
	}

	async close(): Promise<void> {
		await Promise.allSettled(this.#contexts.map((c) => c.close()));
	}
}

/**
 * A node:test test with a Harness. It fails if any page logged a console error, threw, or hit a CSP
 * violation; when it fails, screenshots of its pages go to test-results/browser/.
 */
export function browserTest(name: string, browser: () => Browser, fn: (h: Harness) => Promise<void>): void {
	test(name, async (t) => {
		const h = new Harness(browser(), name);
		try {
			await fn(h);
			await h.settle();
			assert.deepEqual(h.problems, [], "no console errors, uncaught exceptions, CSP violations or serious accessibility findings");
		} catch (err) {
			for (const file of await h.screenshots(name)) t.diagnostic(`screenshot: ${path.relative(process.cwd(), file)}`);
			if (h.problems.length > 0) t.diagnostic(`page problems:\n${h.problems.join("\n")}`);
			throw err;
		} finally {
			await h.close();
		}
	});
}

/**
 * Signs in through the development 示範登入 page (/dev/sign-in) as the `which`-th demo `role` of the
 * unit (default: the first demo unit) by clicking their row's 登入 button; lands on the upload page.
 */
export async function signInAs(page: Page, role: StaffRole, unitCode?: string, which = 1): Promise<DemoStaffMember> {
	const person = demoStaff(role, unitCode, which);
	await page.goto("/dev/sign-in");
	const row = page.locator("tbody tr").filter({ hasText: maskIdNo(person.idNo) }).filter({ hasText: person.name });
	assert.equal(await row.count(), 1, `one 示範登入 row for ${person.name} (${maskIdNo(person.idNo)})`);
	await row.getByRole("button", { name: "登入" }).click();
	await page.waitForURL("**/batches/new");
	await page.locator(".site-header").getByText(`${person.name} 您好`).waitFor();
	return person;
}

/** The text content of the first element matching `selector`, whitespace collapsed. */
export async function textOf(page: Page, selector: string): Promise<string> {
	const text = await page.locator(selector).first().textContent();
	return (text ?? "").replace(/\s+/g, " ").trim();
}

/** A finished download's bytes. */
export async function downloadBytes(download: Download): Promise<Buffer> {
	const file = await download.path();
	return readFileSync(file);
}

/**
 * Makes the calls to the reader helper from the portal page `/<pageId>` (the page whose root element is
 * `#<pageId>`) go to `url` instead: e.g. a port nothing listens on, or a helper started by the test.
 * The page keeps its own READER_URL, the one origin the CSP's connect-src allows; the browser's requests
 * to it are answered from `url`, or refused when nothing listens there. Other pages reach the real helper.
 */
export async function pointReaderAt(page: Page, pageId: string, url: string): Promise<void> {
	const reader = (process.env.READER_URL ?? "").replace(/\/$/, "");
	await page.route(`${reader}/**`, async (route) => {
		if (new URL(route.request().frame().url()).pathname !== `/${pageId}`) return route.fallback();
		const target = `${url.replace(/\/$/, "")}${route.request().url().slice(reader.length)}`;
		let response: Awaited<ReturnType<typeof route.fetch>>;
		try {
			response = await route.fetch({ url: target });
		} catch {
			await route.abort("connectionrefused");
			return;
		}
		await route.fulfill({ response });
	});
}
