// 自然人憑證 and 工商憑證 sign-in in a real browser through a real PKCS#11 module (issue 9): the runner's dev
// PKI (READER_KEYS_DIR, the roots the portal trusts) goes into SoftHSM2 tokens made by
// scripts/softhsm-tokens.ts (`npm run reader:softhsm`), one per card, each with the card's signing and
// encryption certificates as on a real card; a reader helper of this file's own runs on --backend
// pkcs11 over them, and the sign-in page's calls to READER_URL are answered by it (pointReaderAt). Both
// tokens are in at once, as two cards in two readers: the page must pick each kind's signing
// certificate. Skipped, saying why, without SoftHSM2.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe } from "node:test";
import type { Page } from "playwright-core";
import { importOptional } from "../../reader/backends/optional-module.ts";
import { skipUnlessStack } from "../../reader/test/stacks/skip.ts";
import { DEMO_PIN, type ReaderCertificate } from "../../scripts/dev-pki.ts";
import { ReaderHelper } from "../../scripts/lib/reader-helper.ts";
import { freePort } from "../../scripts/lib/wrangler-dev.ts";
import { softhsmMissing, writeSofthsmTokens } from "../../scripts/softhsm-tokens.ts";
import { demoStaff, type DemoStaffMember } from "./fixtures.ts";
import { browserTest, pointReaderAt, PORTAL_URL, useBrowser } from "./helpers.ts";

async function missingStack(): Promise<string | undefined> {
	const missing = softhsmMissing();
	if (missing) return `SoftHSM2 stack missing: ${missing}`;
	try {
		await importOptional("pkcs11js", "npm install");
		return undefined;
	} catch {
		return "the pkcs11js binding is not installed";
	}
}

const skip = skipUnlessStack("PKCS#11 browser sign-in", await missingStack());
const browser = useBrowser();
const clerk = demoStaff("clerk", "110001000", 2);
const manager = demoStaff("manager", "120000000", 1);
const CARDS = [`moica-${clerk.unitCode}-${clerk.email.split("@")[0] ?? ""}`, `moeaca-${manager.unitCode}`];

describe("憑證卡登入 through PKCS#11 (SoftHSM2 tokens, helper on --backend pkcs11)", { skip }, () => {
	let dir = "";
	let helper: ReaderHelper | undefined;

	before(async () => {
		const keysDir = process.env.READER_KEYS_DIR;
		assert.ok(keysDir, "READER_KEYS_DIR is set by npm run test:browser");
		const all: ReaderCertificate[] = JSON.parse(readFileSync(path.join(keysDir, "certs.json"), "utf8"));
		const cards = CARDS.map((id) => {
			const card = all.find((c) => c.id === id);
			assert.ok(card, id);
			return card;
		});
		dir = mkdtempSync(path.join(tmpdir(), "browser-softhsm-"));
		const tokens = writeSofthsmTokens(dir, cards);
		const port = await freePort();
		helper = await ReaderHelper.start({
			port,
			keysDir,
			allowOrigins: [PORTAL_URL],
			logFile: path.join(dir, "reader.log"),
			backend: { name: "pkcs11", module: tokens.module, env: { SOFTHSM2_CONF: tokens.conf } },
		});
	});
	after(async () => {
		await helper?.stop();
		rmSync(dir, { recursive: true, force: true });
	});

	/** The sign-in page, its helper calls answered by this file's pkcs11 helper instead of the runner's virtual one. */
	async function signInPage(page: Page, method: "moica" | "moeaca"): Promise<void> {
		await pointReaderAt(page, "sign-in", helper?.url ?? "");
		await page.goto(`/sign-in?method=${method}`);
		await page.locator("#sign-in-status").getByText("已偵測到憑證卡").waitFor();
	}

	async function signIn(page: Page, method: "moica" | "moeaca", person: DemoStaffMember): Promise<void> {
		await signInPage(page, method);
		await page.locator(`#${method}-id-no`).fill(person.idNo);
		await page.locator(`#${method}-pin`).fill(DEMO_PIN);
		await page.locator(`#${method}-submit`).click();
		// Staff land on the upload page after any sign-in, as after 示範登入.
		await page.waitForURL((u) => u.pathname === "/batches/new");
		await page.locator(".site-header").getByText(`${person.name} 您好`).waitFor();
	}

	browserTest("a clerk signs in with the 自然人憑證 in a PKCS#11 token that also holds its encryption certificate", browser, async (h) => {
		await signIn(await h.newPage(), "moica", clerk);
	});

	browserTest("a unit manager signs in with the 工商憑證 in a second PKCS#11 token and finds 授權管理", browser, async (h) => {
		const page = await h.newPage();
		await signIn(page, "moeaca", manager);
		await page.locator("nav.side-menu").getByRole("link", { name: "授權管理" }).waitFor();
	});
});
