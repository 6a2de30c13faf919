// The development mailbox through the Worker: lists what the outbox sent, shows links as <a>, serves
// attachments, and does not exist outside ENVIRONMENT=development.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { batches, batchRows } from "../../schema/d1.ts";
import { newApp } from "../../workers/app.tsx";
import { sendMail } from "../../workers/mail/outbox.ts";
import { batchAttachments } from "../../workers/services/batch-attachments.ts";
import { makeUnit, request, testDb } from "../fixtures/index.ts";

const db = testDb();
const BASE = "https://portal.test";

/** A finished batch with two result rows, so its log and result CSV have something to say. */
async function finishedBatch(): Promise<string> {
	const { code: unitCode } = await makeUnit(db);
	const batchId = crypto.randomUUID();
	const at = Date.UTC(2016, 6, 13, 2, 45, 31); // 2016/7/13 上午 10:45:31 in Taipei
	await db.insert(batches).values({
		id: batchId,
		unitCode,
		uploaderIdNo: "A123456789",
		uploaderName: "王小明",
		contactName: "王小明",
		contactEmail: "clerk@example.com.tw",
		fileName: `${unitCode}1050713.csv`,
		fileBytes: 120,
		uploadedAt: at,
		status: "done",
		totalRows: 2,
		rowsDone: 2,
		successCount: 0,
		failureCount: 2,
		startedAt: at,
		finishedAt: at + 60_000,
	});
	await db.insert(batchRows).values([
		{ batchId, rowNo: 1, lineNo: 2, maskedId: "A23084****", outcome: "failed", code: "NOT_INSURED", doneAt: at },
		{ batchId, rowNo: 2, lineNo: 3, maskedId: "A23057****", outcome: "failed", code: "NOT_INSURED", doneAt: at },
	]);
	return batchId;
}

async function mailWithLinkAndLog() {
	const batchId = await finishedBatch();
	const to = `clerk-${crypto.randomUUID()}@example.com.tw`;
	const link = `${BASE}/verify?ticket=${crypto.randomUUID()}`;
	const { id, status } = await sendMail(env, db, {
		idempotencyKey: `dev-mailbox-test:${crypto.randomUUID()}`,
		to: [to],
		subject: "健保卡整批註冊上傳結果通知",
		text: `親愛的承辦人您好：\n請連結登入「健保卡註冊認證作業」：${link}。\n<b>不是 HTML</b>`,
		attachments: [
			{ kind: "batch-log", batchId },
			{ kind: "batch-result-csv", batchId },
		],
	}, { attachments: batchAttachments(db) });
	expect(status).toBe("sent");
	return { id, to, link };
}

function get(path: string): Promise<Response> {
	return Promise.resolve(request(path));
}

describe("development mailbox", () => {
	it("lists the message, newest first, with its recipient, subject, status and transport", async () => {
		const { id, to } = await mailWithLinkAndLog();
		const res = await get("/dev/mailbox");
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain(`href="/dev/mailbox/${id}"`);
		expect(html).toContain(to);
		expect(html).toContain("健保卡整批註冊上傳結果通知");
		expect(html).toContain("已寄出");
		expect(html).toContain("outbox");
	});

	it("shows the text with every link as a clickable <a>, escaped otherwise", async () => {
		const { id, link } = await mailWithLinkAndLog();
		const res = await get(`/dev/mailbox/${id}`);
		expect(res.status).toBe(200);
		const html = await res.text();
		expect(html).toContain(`<a href="${link}">${link}</a>`);
		expect(html).not.toContain("<b>不是 HTML</b>");
		expect(html).toContain("&lt;b&gt;不是 HTML&lt;/b&gt;");
		expect(html).toContain(`href="/dev/mailbox/${id}/attachments/0"`);
		expect(html).toContain(`href="/dev/mailbox/${id}/attachments/1"`);
	});

	it("downloads the attached log with its file name", async () => {
		const { id } = await mailWithLinkAndLog();
		const res = await get(`/dev/mailbox/${id}/attachments/0`);
		expect(res.status).toBe(200);
		expect(res.headers.get("Content-Type")).toBe("text/plain; charset=utf-8");
		const disposition = res.headers.get("Content-Disposition") ?? "";
		expect(disposition).toMatch(/^attachment; filename="[^"]+\.log"; filename\*=UTF-8''[^"]+\.log$/);
		const bytes = new Uint8Array(await res.arrayBuffer());
		expect(bytes.byteLength).toBeGreaterThan(0);
		expect(new TextDecoder().decode(bytes)).toContain("A23084****");
		expect((await get(`/dev/mailbox/${id}/attachments/2`)).status).toBe(404);
	});

	it("answers JSON for scripts: links, attachment names and time", async () => {
		const { id, to, link } = await mailWithLinkAndLog();
		const res = await get(`/dev/mailbox.json?to=${encodeURIComponent(to)}`);
		expect(res.status).toBe(200);
		const { messages } = (await res.json()) as {
			messages: { id: string; to: string[]; links: string[]; attachments: { name: string | null; url: string }[]; createdAt: string }[];
		};
		expect(messages).toHaveLength(1);
		expect(messages[0]).toMatchObject({ id, to: [to], links: [link] });
		expect(messages[0]?.attachments[0]?.name).toMatch(/\.log$/);
		expect(messages[0]?.attachments[1]?.name).toMatch(/\.csv$/i);
		expect(messages[0]?.attachments[0]?.url).toBe(`/dev/mailbox/${id}/attachments/0`);
		expect(Number.isNaN(Date.parse(messages[0]?.createdAt ?? ""))).toBe(false);
	});

	it("does not exist outside development", async () => {
		const { id } = await mailWithLinkAndLog();
		const production = { ...env, ENVIRONMENT: "production" };
		for (const path of ["/dev/mailbox", "/dev/mailbox.json", `/dev/mailbox/${id}`, `/dev/mailbox/${id}/attachments/0`]) {
			const res = await newApp().request(`${BASE}${path}`, {}, production);
			expect(res.status, path).toBe(404);
		}
	});
});
