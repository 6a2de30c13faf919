// The browser tests' Chromium on a fresh machine (issue 9): with no system Chromium, the one that arrives
// with `npm install` (@sparticuz/chromium, unpacked by scripts/lib/chromium.ts) must start and show the
// portal's Chinese, and so must whichever Chromium these tests drive: a failure screenshot without a CJK
// font shows blank boxes where every label and message should be.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { npmChromium } from "../../scripts/lib/chromium.ts";
import { CHROMIUM_ARGS, PORTAL_URL, useBrowser } from "./helpers.ts";

const browser = useBrowser();

type Glyph = { char: string; ink: number; bits: string };

/**
 * Draws the first Chinese characters of `selector`'s text in its own font on a canvas: a character the
 * fonts lack comes out blank, or as the same empty box as every other missing one.
 */
function drawnGlyphs(page: Page, selector: string): Promise<Glyph[]> {
	return page.evaluate((sel) => {
		const el = document.querySelector(sel);
		if (!el) throw new Error(`${sel} is not on the page`);
		const family = getComputedStyle(el).fontFamily;
		const chars = [...(el.textContent ?? "")].filter((c) => /\p{Script=Han}/u.test(c)).slice(0, 4);
		return chars.map((char) => {
			const canvas = document.createElement("canvas");
			canvas.width = 64;
			canvas.height = 64;
			const g = canvas.getContext("2d");
			if (!g) throw new Error("no 2d canvas");
			g.font = `48px ${family}`;
			g.fillText(char, 4, 52);
			const alpha = g.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3);
			return { char, ink: alpha.filter((a) => a > 0).length, bits: Array.from(alpha, (a) => (a > 127 ? "1" : "0")).join("") };
		});
	}, selector);
}

async function assertDrawsChinese(page: Page): Promise<void> {
	await page.goto(`${PORTAL_URL}/sign-in`);
	const glyphs = await drawnGlyphs(page, "main h1");
	assert.ok(glyphs.length >= 2, `the sign-in page's heading has Chinese text (${glyphs.map((g) => g.char).join("")})`);
	for (const g of glyphs) assert.ok(g.ink > 100, `${g.char} is drawn (${g.ink} pixels of ink)`);
	assert.equal(new Set(glyphs.map((g) => g.bits)).size, glyphs.length, "each character has its own shape, not the same missing-glyph box");
}

describe("Chromium on any machine", () => {
	let bundled: Browser | undefined;
	after(() => bundled?.close());

	test("the Chromium that npm install ships starts without a system browser and shows the sign-in page's Chinese", async () => {
		const started = performance.now();
		bundled = await chromium.launch({ executablePath: await npmChromium(), args: CHROMIUM_ARGS, timeout: 60_000 });
		const page = await bundled.newPage();
		await assertDrawsChinese(page);
		console.log(`# npm-installed Chromium ${bundled.version()}: unpacked if needed, launched and drew the page in ${Math.round(performance.now() - started)} ms`);
	});

	test("the Chromium these tests drive shows Chinese, so a failure screenshot can be read", async () => {
		const page = await browser().newPage();
		await assertDrawsChinese(page);
		await page.close();
	});
});
