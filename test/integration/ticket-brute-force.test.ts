// Ticket brute force (SPEC §7: rate limited and logged). Unknown tickets count per client IP; past 20 in
// 10 minutes the verification page answers 429 「嘗試次數過多，請稍後再試。」 with Retry-After, and the
// refusals are audited as one row per client and window (however many there are).
// A real link keeps working from the same IP: only failures are counted.
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditLog, mailOutbox, people, rateLimits } from "../../schema/d1.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import { countFailure, RATE_LIMITED_MESSAGE, UNKNOWN_TICKET_RULE } from "../../workers/services/rate-limit.ts";
import { CONFIRM_MESSAGES } from "../../workers/services/verification-confirm.ts";
import { VERIFICATION_MAIL_SUBJECT } from "../../workers/services/verification-mail.ts";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, request, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();
const MAX = UNKNOWN_TICKET_RULE.max;

/** A client address no other test uses, so each test has its own counters. */
function freshIp(): string {
	const [a = 0, b = 0, c = 0] = crypto.getRandomValues(new Uint8Array(3));
	return `10.${a}.${b}.${c}`;
}

function guess(ip: string) {
	return request(`/verify?ticket=${randomToken(32)}`, { headers: { "CF-Connecting-IP": ip } });
}

async function refusalsAudited(ip: string): Promise<number> {
	const rows = await db.select().from(auditLog).where(and(eq(auditLog.action, "rate-limit.refused"), eq(auditLog.target, ip))).all();
	return rows.length;
}

describe("ticket brute force on 健保卡網路服務註冊-電子信箱認證", () => {
	it(`answers the first ${MAX} unknown tickets from one address with the page's 「unknown link」 text, then 429 「嘗試次數過多，請稍後再試。」 with Retry-After, audited once for the window`, async () => {
		const ip = freshIp();
		for (let i = 0; i < MAX; i++) {
			const res = await guess(ip);
			expect(res.status).toBe(200);
			expect(await res.text()).toContain(CONFIRM_MESSAGES.TICKET_UNKNOWN);
		}
		for (let i = 0; i < 5; i++) {
			const res = await guess(ip);
			expect(res.status).toBe(429);
			const retryAfter = Number(res.headers.get("Retry-After"));
			expect(retryAfter).toBeGreaterThanOrEqual(1);
			expect(retryAfter).toBeLessThanOrEqual(UNKNOWN_TICKET_RULE.windowMs / 1000);
			expect(await res.text()).toContain(RATE_LIMITED_MESSAGE);
		}
		// Five refusals, one audit row: a flood of guesses does not flood the audit trail.
		expect(await refusalsAudited(ip)).toBe(1);
		// Another address is not affected.
		expect((await guess(freshIp())).status).toBe(200);
	});

	it("counts an unknown ticket posted to 確定 as well, before any card proof is asked for", async () => {
		const ip = freshIp();
		// A browser's pre-session: the resend page makes one, and its CSRF token.
		const page = await request("/verify/resend");
		const cookie = (page.headers.getSetCookie()[0] ?? "").split(";")[0] ?? "";
		const csrf = /data-csrf="([^"]+)"/.exec(await page.text())?.[1] ?? "";
		expect(cookie).toMatch(/^__Host-pre=/);
		const post = () =>
			request("/verify", {
				method: "POST",
				headers: { Cookie: cookie, "CF-Connecting-IP": ip },
				body: new URLSearchParams({ _csrf: csrf, ticket: randomToken(32), challengeId: "", cardNo: "", signature: "", password: "", passwordConfirm: "" }),
			});
		for (let i = 0; i < MAX; i++) expect((await post()).status).toBe(403);
		const refused = await post();
		expect(refused.status).toBe(429);
		expect(await refused.text()).toContain(RATE_LIMITED_MESSAGE);
		expect(await refusalsAudited(ip)).toBe(1);
	});

	it("still opens a registrant's real link from an address that is over the limit", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const idNo = freshIdNo();
		await db.insert(people).values({ idNo, name: "林註冊", birthDate: "1990-03-05", email: null, createdAt: Date.now() });
		await enroll(db, unit.code, [idNo]);
		const email = `${idNo.toLowerCase()}@example.com.tw`;
		const { batchId } = await uploadFile(await signIn(db, clerk.idNo), unit.code, batchFileName(unit.code), `${idNo},${email},0912345678,`);
		if (!batchId) throw new Error("upload refused");
		await runBatchToEnd(batchId);
		const mail = await db.select().from(mailOutbox).where(and(like(mailOutbox.to, `%${email}%`), eq(mailOutbox.subject, VERIFICATION_MAIL_SUBJECT))).get();
		const ticket = /\/verify\?ticket=([A-Za-z0-9_-]+)/.exec(mail?.text ?? "")?.[1];
		expect(ticket).toBeDefined();

		const ip = freshIp();
		for (let i = 0; i <= MAX; i++) await guess(ip);
		expect((await guess(ip)).status).toBe(429);
		const real = await request(`/verify?ticket=${ticket}`, { headers: { "CF-Connecting-IP": ip } });
		expect(real.status).toBe(200);
		expect(await real.text()).toContain('name="ticket"');
	});

	it("counts in fixed 10-minute windows and starts again in the next one", async () => {
		const key = freshIp();
		const start = Date.UTC(2026, 0, 1, 0, 0, 0);
		for (let i = 0; i < MAX; i++) expect(await countFailure(db, UNKNOWN_TICKET_RULE, key, start + i)).toEqual({ limited: false });
		expect(await countFailure(db, UNKNOWN_TICKET_RULE, key, start + 9 * 60_000)).toEqual({ limited: true, retryAfterS: 60 });
		expect(await countFailure(db, UNKNOWN_TICKET_RULE, key, start + UNKNOWN_TICKET_RULE.windowMs)).toEqual({ limited: false });
		const rows = await db.select().from(rateLimits).where(eq(rateLimits.clientKey, key)).all();
		expect(rows.map((r) => r.count).sort((a, b) => a - b)).toEqual([1, MAX + 1]);
		expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE target = ?1").bind(key).first("n")).toBe(1);
	});
});
