// Steps several browser tests share: put a virtual card into the runner's reader helper, upload a batch
// through the form until 入檔完畢, and find a registrant's verification link in the development mailbox.
import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { z } from "zod";
import { batchFileName, excelBig5Csv, type BatchRow } from "./fixtures.ts";
import { PORTAL_URL } from "./helpers.ts";

const READER_URL = (process.env.READER_URL ?? "").replace(/\/$/, "");
/** A batch of a few rows, and its registrants' mails, are done within seconds; a slow CI machine gets this. */
export const BATCH_TIMEOUT_MS = 60_000;
export const VERIFICATION_SUBJECT = "健保卡網路服務-註冊成功";

/** The runner's reader helper: put a virtual card into its slot (as a person would on its /virtual page). */
export async function insertCard(body: { cardNo: string } | { certId: string }): Promise<void> {
	assert.ok(READER_URL, "READER_URL is set by npm run test:browser");
	const res = await fetch(`${READER_URL}/virtual/insert`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
	assert.equal(res.status, 200, await res.text());
}

/** Uploads `rows` for `unitCode` through the form of a signed-in clerk's page; waits for 入檔完畢; the batch id. */
export async function uploadBatch(page: Page, unitCode: string, rows: readonly BatchRow[]): Promise<string> {
	await page.goto("/batches/new");
	await page.locator("#file").setInputFiles({ name: batchFileName(unitCode), mimeType: "text/csv", buffer: excelBig5Csv(rows) });
	await page.getByRole("button", { name: "上傳" }).click();
	await page.waitForURL(/\/batches\/[A-Za-z0-9_-]{10,40}$/);
	await page.locator('#batch-progress[data-status="done"]').waitFor({ timeout: BATCH_TIMEOUT_MS });
	return new URL(page.url()).pathname.split("/").pop() ?? "";
}

const mailbox = z.object({ messages: z.array(z.object({ id: z.string(), subject: z.string(), links: z.array(z.string()) })) });

/** Waits for the newest mail with `subject` to `email`; its id and links. */
export async function waitForMail(email: string, subject: string): Promise<{ id: string; links: string[] }> {
	const deadline = Date.now() + BATCH_TIMEOUT_MS;
	for (;;) {
		const res = await fetch(`${PORTAL_URL}/dev/mailbox.json?to=${encodeURIComponent(email)}`);
		const mail = mailbox.parse(await res.json()).messages.find((m) => m.subject === subject);
		if (mail) return mail;
		assert.ok(Date.now() < deadline, `no 「${subject}」 mail to ${email} within ${BATCH_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

/** The path and query of the registrant's verification link (/verify?ticket=…), which leads to this portal. */
export async function verificationPath(email: string): Promise<string> {
	const { links } = await waitForMail(email, VERIFICATION_SUBJECT);
	const link = links.find((l) => l.includes("/verify?ticket="));
	assert.ok(link, "the verification mail links to /verify?ticket=…");
	const url = new URL(link);
	assert.equal(url.origin, PORTAL_URL, "the link leads to the portal that sent it");
	return `${url.pathname}${url.search}`;
}

/** How far the page reaches past the window's right edge, in CSS pixels (0: no sideways scrolling). */
export function sidewaysOverflow(page: Page): Promise<number> {
	return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}
