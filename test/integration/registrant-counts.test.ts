// 註冊者狀態 on the records page (SPEC §5, beyond the seed): each registrant counts under the upload that
// issued their current mail; an older upload shows those a newer one took over as 已轉至較新上傳.
import { describe, expect, it } from "vitest";
import { batchFileName, enroll, freshIdNo, makeStaff, makeUnit, request, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();

function registrantsCell(html: string, batchId: string): string {
	const row = html.slice(html.indexOf(`<tr data-batch-id="${batchId}"`));
	const cell = /<td class="registrants">([\s\S]*?)<\/td>/.exec(row.slice(0, row.indexOf("</tr>")))?.[1] ?? "";
	return cell.replace(/<[^>]+>/g, "").trim();
}

describe("健保卡註冊申請上傳紀錄查詢: 註冊者狀態 across re-uploads", () => {
	it("counts a re-sent registrant under the newer upload only, and shows the older upload's as 已轉至較新上傳", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const members = Array.from({ length: 3 }, () => freshIdNo());
		await enroll(db, unit.code, members);
		const [a, b, c] = members as [string, string, string];

		const first = await uploadFile(session, unit.code, batchFileName(unit.code), `${a},a@example.com.tw,0912345678,\n${b},b@example.com.tw,0912345678,\n${c},c@example.com.tw,0912345678,\n`);
		await runBatchToEnd(first.batchId ?? "");
		// The clerk uploads two of them again (a corrected address): their live mail now comes from the second upload.
		const second = await uploadFile(session, unit.code, batchFileName(unit.code), `${a},a2@example.com.tw,0912345678,\n${b},b2@example.com.tw,0912345678,\n`);
		await runBatchToEnd(second.batchId ?? "");

		const html = await (await request("/batches", { session })).text();
		expect(registrantsCell(html, first.batchId ?? "")).toBe("待認證 1 / 已認證 0 / 已逾期 0 / 已轉至較新上傳 2");
		expect(registrantsCell(html, second.batchId ?? "")).toBe("待認證 2 / 已認證 0 / 已逾期 0");
	});
});
