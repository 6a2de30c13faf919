// The portal's mails follow the seed's sentence by sentence (SPEC: the seed's wording wins). Only names,
// dates, counts and links may differ: each is replaced by a placeholder in both texts before they are
// compared; where a link stands (which words it is on) is still compared.
import { describe, expect, it } from "vitest";
import { CLERK_MAIL_SUBJECT, clerkResultText } from "../../../workers/services/batch-mail.ts";
import { FEEDBACK_URL } from "../../../workers/services/mail-links.ts";
import { VERIFICATION_MAIL_SUBJECT, verificationLink, verificationMailText } from "../../../workers/services/verification-mail.ts";
import { SEED_CLERK_MAIL, SEED_REGISTRANT_MAIL, SEED_REGISTRANT_SUBJECT } from "../../fixtures/seed-mails.ts";

const ORIGIN = "https://portal.example.tw";
const UNIT = "數美科技股份有限公司";
const NAME = "王小明";

/** The text with its variable parts as placeholders, cut into sentences (at 。！ and line ends). */
function sentences(text: string, names: Record<string, string>): string[] {
	let t = text
		// A markdown link of the seed: its words stay, the address goes; a bare address as its words is a link.
		.replace(/\[((?:\\.|[^\]\\])*)\]\(([^)]*)\)/g, (_, words: string) => (/^https?:/.test(words) ? "⟨link⟩" : `${words.replace(/\\(.)/g, "$1")}⟨link⟩`))
		.replace(/<https?:[^>\s]+>/g, "⟨link⟩")
		.replace(/https?:\/\/\S+/g, "⟨link⟩")
		// 「words」 linked inside or after the quote mark reads the same.
		.replace(/⟨link⟩([」』])/g, "$1⟨link⟩");
	for (const [name, placeholder] of Object.entries(names)) t = t.replaceAll(name, placeholder);
	t = t.replace(/民國\d+年\d+月\d+日/g, "⟨date⟩").replace(/\d+筆/g, "⟨n⟩筆");
	return t
		.split(/(?<=[。！])|\n/)
		.map((s) => s.trim())
		.filter((s) => s !== "");
}

/**
 * The seed's sentences. One deliberate difference: the seed's 改日無法進入… paragraph ends "…Login.aspx>。)"
 * with a parenthesis that closes nothing; the portal's ends at 。.
 */
function seedSentences(text: string): string[] {
	return sentences(text, { "[REDACTED]": "⟨name⟩", [UNIT]: "⟨unit⟩" }).filter((s) => s !== ")");
}

function registrantMail(): string {
	return verificationMailText({ name: NAME, unitName: UNIT, ticket: "T1cket_abc", issuedAt: Date.UTC(2026, 0, 5, 3), expiresAt: Date.UTC(2026, 0, 10, 3), origin: ORIGIN });
}

describe("the registrant's mail 健保卡網路服務-註冊成功", () => {
	it("has the seed's subject and says what the seed says, sentence by sentence", () => {
		expect(VERIFICATION_MAIL_SUBJECT).toBe(SEED_REGISTRANT_SUBJECT);
		expect(sentences(registrantMail(), { [NAME]: "⟨name⟩", [UNIT]: "⟨unit⟩" })).toEqual(seedSentences(SEED_REGISTRANT_MAIL));
	});

	it("links each linked phrase of the seed to the portal's own page, and 意見信箱 to NHI's", () => {
		const links = [...registrantMail().matchAll(/https?:\/\/[^\s<>]+/g)].map((m) => m[0]);
		const verify = verificationLink(ORIGIN, "T1cket_abc");
		expect(links).toEqual([`${ORIGIN}/environment`, verify, `${ORIGIN}/verify/resend`, `${ORIGIN}/sign-in`, FEEDBACK_URL, verify]);
	});
});

describe("the clerk's result mail", () => {
	const text = clerkResultText({ uploadedAt: Date.UTC(2026, 0, 5, 2), finishedAt: Date.UTC(2026, 0, 5, 3) }, { total: 4, success: 0, failed: 4 }, ORIGIN);

	it("says what the seed's clerk mail says up to 敬祝, sentence by sentence, then closes as the seed's mails do with the ROC date", () => {
		const ours = sentences(text, {});
		const end = ours.indexOf("敬祝") + 1;
		expect(ours.slice(0, end)).toEqual(seedSentences(SEED_CLERK_MAIL));
		const registrant = seedSentences(SEED_REGISTRANT_MAIL);
		expect(ours.slice(end)).toEqual(registrant.slice(registrant.indexOf("敬祝") + 1));
		expect(text).toContain("衛生福利部中央健康保險署敬啟\n民國115年01月05日\n");
		expect(CLERK_MAIL_SUBJECT).toBe("健保卡整批註冊上傳結果通知");
	});

	it("links 健保卡網路服務註冊 to the portal's 重寄認證信 page and 意見信箱 to NHI's", () => {
		expect([...text.matchAll(/https?:\/\/[^\s<>]+/g)].map((m) => m[0])).toEqual([`${ORIGIN}/verify/resend`, FEEDBACK_URL]);
	});
});
