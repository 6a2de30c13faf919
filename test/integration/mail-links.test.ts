// The links the mails carry (services/mail-links.ts) open the portal's own pages.
import { describe, expect, it } from "vitest";
import { clerkResultText } from "../../workers/services/batch-mail.ts";
import { FEEDBACK_URL } from "../../workers/services/mail-links.ts";
import { verificationMailText } from "../../workers/services/verification-mail.ts";
import { request } from "../fixtures/index.ts";

const ORIGIN = "https://portal.test";

describe("the links in the registrant's and the clerk's mails", () => {
	it("open the portal's 環境說明, sign-in and 重寄認證信 pages without a session", async () => {
		const registrant = verificationMailText({ name: "王小明", unitName: "數美科技股份有限公司", ticket: "x", issuedAt: Date.now(), expiresAt: Date.now(), origin: ORIGIN });
		const clerk = clerkResultText({ uploadedAt: Date.now(), finishedAt: Date.now() }, { total: 1, success: 1, failed: 0 }, ORIGIN);
		const links = [...`${registrant}\n${clerk}`.matchAll(/https?:\/\/[^\s<>]+/g)].map((m) => m[0]);
		const pages = [...new Set(links.filter((l) => l !== FEEDBACK_URL && !l.includes("ticket=")))];
		expect(pages.sort()).toEqual([`${ORIGIN}/environment`, `${ORIGIN}/sign-in`, `${ORIGIN}/verify/resend`]);
		for (const page of pages) {
			const res = await request(page.slice(ORIGIN.length));
			expect([page, res.status]).toEqual([page, 200]);
		}
	});
});
