import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { and, eq, like } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { batchRows, batches, mailOutbox, registrations, verificationHandoffs, verificationTickets } from "../../schema/d1.ts";
import type { BatchUpload } from "../../durable/batch-upload.ts";
import { parseStep } from "../../durable/batch-upload.steps.ts";
import { batchLogFile } from "../../workers/services/batch-results.ts";
import { newTicketKey } from "../../workers/services/verification.ts";
import { FILE_REASONS } from "../../workers/domain/reasons.ts";
import { randomToken } from "../../workers/lib/crypto.ts";
import { countedBody, MULTIPART_TAIL, MULTIPART_TYPE, multipartForm, multipartHead } from "../fixtures/bodies.ts";
import {
	batchFileName,
	BIG5_HEADER_ROW,
	concatBytes,
	enroll,
	hexBytes,
	freshIdNo,
	makeStaff,
	makeUnit,
	request,
	runBatchToEnd,
	signIn,
	testDb,
	uploadFile,
} from "../fixtures/index.ts";

const db = testDb();

/** A unit, a signed-in clerk and `insured` people on its roster. */
async function clerkWithRoster(insured = 3) {
	const unit = await makeUnit(db);
	const clerk = await makeStaff(db, unit.code, "clerk");
	const session = await signIn(db, clerk.idNo);
	const members = Array.from({ length: insured }, () => freshIdNo());
	await enroll(db, unit.code, members);
	return { unit, clerk, session, members };
}

async function rowsOf(batchId: string) {
	return db.select().from(batchRows).where(eq(batchRows.batchId, batchId)).orderBy(batchRows.rowNo).all();
}

async function logText(batchId: string) {
	const file = await batchLogFile(db, batchId);
	if (!file) throw new Error("no log");
	return { name: file.fileName, text: new TextDecoder("utf-8", { ignoreBOM: true, fatal: true }).decode(file.bytes) };
}

describe("uploading a batch file", () => {
	it("answers at once with 已上傳,等待入檔 and the batch's page", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const { res, batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), `${members[0]},a@b.com.tw,0912345678,\r\n`);
		expect(res.status).toBe(303);
		expect(batchId).toBeTruthy();
		const batch = await db.select().from(batches).where(eq(batches.id, batchId ?? "")).get();
		expect(batch?.status === "queued" || batch?.status === "importing" || batch?.status === "done").toBe(true);
		const page = await request(`/batches/${batchId}`, { session });
		expect(await page.text()).toContain(batchFileName(unit.code));
	});

	it("imports a Big5 file saved the Excel way: skips the header, registers insured members and says why each other row failed", async () => {
		const { unit, session, members } = await clerkWithRoster(4);
		const [a, b, c, d] = members as [string, string, string, string];
		const withdrawn = freshIdNo();
		await enroll(db, unit.code, [withdrawn], "2021-01-01");
		const outsider = freshIdNo();
		const file = concatBytes(
			BIG5_HEADER_ROW,
			`${a},${a}@Example.COM.TW,0912345678,03-1234567#123\r\n`,
			`${b},b@example.com.tw,912345678,\r\n`, // Excel dropped the leading 0
			`${outsider},o@example.com.tw,0912345678,\r\n`,
			`${withdrawn},w@example.com.tw,0912345678,\r\n`,
			`A123456788,x@example.com.tw,0912345678,\r\n`, // bad checksum
			`${c},not-an-email,0912345678,\r\n`,
			`${d},d@example.com.tw,0912345678,12345\r\n`, // bad landline
			`${a},again@example.com.tw,0912345678,\r\n`, // duplicate in file
			",,,,\r\n,,,,\r\n",
		);
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), file);
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "done", headerSkipped: true, totalRows: 8, successCount: 2, failureCount: 6, encoding: "big5" });

		const rows = await rowsOf(batch.id);
		expect(rows.map((r) => r.code)).toEqual([
			"REGISTERED",
			"REGISTERED",
			"NOT_INSURED",
			"NOT_INSURED",
			"ID_INVALID",
			"EMAIL_INVALID",
			"PHONE_INVALID",
			"DUPLICATE_IN_FILE",
		]);
		expect(rows[1]?.notes).toContain("MOBILE_REPAIRED");
		expect(rows.every((r) => r.maskedId.endsWith("****") && r.maskedId.length <= 10)).toBe(true);

		const regA = await db.select().from(registrations).where(eq(registrations.idNo, a)).get();
		expect(regA).toMatchObject({ status: "pending", email: `${a}@example.com.tw`, phone: "03-1234567#123", unitCode: unit.code });
		const regB = await db.select().from(registrations).where(eq(registrations.idNo, b)).get();
		expect(regB?.mobile).toBe("0912345678");
		expect(await db.select().from(registrations).where(eq(registrations.idNo, outsider)).get()).toBeUndefined();

		const log = await logText(batch.id);
		expect(log.text.startsWith("\uFEFF")).toBe(true);
		expect(log.text).toContain(`第3筆資料:${outsider.slice(0, 6)}****(非該單位在保險對象)不入檔!`);
		expect(log.text).toMatch(/----總共上傳8筆,成功註冊2筆,失敗6筆----/);
		expect(log.name).toMatch(new RegExp(`^${unit.code}\\d{7}\\.\\d{13}\\.log$`));

		const handoffs = await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batch.id)).all();
		expect(handoffs).toHaveLength(2);
	});

	it("sends the clerk the seed's result mail once, to the uploader and the form's contact, with the log attached", async () => {
		const { unit, clerk, session, members } = await clerkWithRoster(1);
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), `${members[0]},m@example.com.tw,0912345678,\n${freshIdNo()},n@example.com.tw,0912345678,\n`);
		const batch = await runBatchToEnd(batchId ?? "");
		const mails = await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `batch-result:${batch.id}`)).all();
		expect(mails).toHaveLength(1);
		const mail = mails[0];
		expect(JSON.parse(mail?.to ?? "[]")).toEqual([clerk.email, "contact@unit.example.tw"]);
		expect(mail?.text).toContain("親愛的承辦人您好：");
		expect(mail?.text).toContain("總共上傳2筆，成功註冊1筆，失敗1筆。人檔資訊詳見附件。");
		expect(JSON.parse(mail?.attachments ?? "[]")).toEqual([{ kind: "batch-log", batchId: batch.id }]);
	});

	it("reads UTF-8 with BOM, LF or CRLF, quoted fields and full-width characters", async () => {
		const { unit, session, members } = await clerkWithRoster(3);
		const [a, b, c] = members as [string, string, string];
		const fullWidthA = [...a].map((ch) => String.fromCharCode(ch.charCodeAt(0) + 0xfee0)).join("");
		const text = `\uFEFF身分證號,電子郵件,行動電話,聯絡電話\r\n${fullWidthA},"a@example.com.tw",０９１２３４５６７８,"02-12345678#1234"\r\n"${b}","b@example.com.tw","0912345678",""\n${c.toLowerCase()}, c@example.com.tw ,0912-345-678,\r\n`;
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		const batch = await runBatchToEnd(batchId ?? "");
		expect(batch).toMatchObject({ status: "done", encoding: "utf-8-bom", headerSkipped: true, successCount: 3, failureCount: 0 });
	});

	it("turns a formula-looking cell into an inert, masked failed row", async () => {
		const { unit, session } = await clerkWithRoster(0);
		const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), `=HYPERLINK("http://evil.example","x"),a@example.com.tw,0912345678,\n`);
		const batch = await runBatchToEnd(batchId ?? "");
		const [row] = await rowsOf(batch.id);
		expect(row?.code).toBe("ID_INVALID");
		expect(row?.maskedId).toBe("=HYPER****");
		const csv = await request(`/batches/${batch.id}/result.csv`, { session: await signIn(db, batch.uploaderIdNo) });
		const body = await csv.text();
		expect(body).toContain("'=HYPER****");
		expect(body).not.toMatch(/(^|,)=HYPER/m);
	});
});

describe("whole-file rules", () => {
	async function rejected(content: Uint8Array | string, fileName?: (unit: string) => string) {
		const { unit, session, members } = await clerkWithRoster(1);
		const name = fileName ? fileName(unit.code) : batchFileName(unit.code);
		const { res, batchId } = await uploadFile(session, unit.code, name, content);
		const batches_ = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		const regs = await db.select().from(registrations).where(eq(registrations.unitCode, unit.code)).all();
		return { res, batchId, batches: batches_, regs, members, unit };
	}

	it.each([
		["a renamed .xlsx", concatBytes(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]), "[Content_Types].xml"), "FILE_BINARY"],
		["UTF-16 text", new Uint8Array([0xff, 0xfe, 0x41, 0x00, 0x31, 0x00]), "FILE_UTF16"],
		["an empty file", new Uint8Array(), "FILE_EMPTY"],
	] as const)("rejects %s with its zh-TW reason and stores only the rejection record", async (_, content, code) => {
		const r = await rejected(content);
		expect(r.res.status).toBe(422);
		const html = await r.res.text();
		expect(html).toContain(`data-reason="${code}"`);
		expect(html).toContain("入檔失敗");
		expect(r.batches).toHaveLength(1);
		expect(r.batches[0]).toMatchObject({ status: "failed", failureCode: code, totalRows: 0 });
		expect(r.regs).toHaveLength(0);
	});

	it.each([
		["a wrong unit code in the name", () => "1234567891050801.csv", "FILE_UNIT_MISMATCH"],
		["a future date", (u: string) => `${u}2991231.csv`, "FILE_DATE_FUTURE"],
		["a date that does not exist", (u: string) => `${u}1050231.csv`, "FILE_DATE_INVALID"],
		["an .xlsx name", (u: string) => `${u}1050801.xlsx`, "FILE_EXTENSION"],
		["a name without the date", (u: string) => `${u}.csv`, "FILE_NAME_FORMAT"],
	] as const)("rejects %s", async (_, name, code) => {
		const r = await rejected("A123456789,a@example.com.tw,0912345678,\n", name);
		expect(r.res.status).toBe(422);
		expect(r.batches[0]).toMatchObject({ status: "failed", failureCode: code });
		expect(r.regs).toHaveLength(0);
	});

	it("accepts an upper-case .CSV extension", async () => {
		const { unit, session, members } = await clerkWithRoster(1);
		const { res } = await uploadFile(session, unit.code, batchFileName(unit.code, "CSV"), `${members[0]},a@example.com.tw,0912345678,\n`);
		expect(res.status).toBe(303);
	});

	it("rejects a file over 10 MB", async () => {
		const big = "A123456789,a@example.com.tw,0912345678,\r\n".repeat(Math.ceil((10 * 1024 * 1024 + 1) / 41));
		const r = await rejected(big);
		expect(r.res.status).toBe(422);
		expect(r.batches[0]).toMatchObject({ status: "failed", failureCode: "FILE_TOO_LARGE" });
	});
	// Header-only files and files over 100,000 rows: see batch-failure.test.ts (refused on the form).

	it("answers a 12 MB upload, sent the browser's way (the token in the form), with the form again saying 檔案超過 10 MB 上限 and its fix, and keeps a rejection record", async () => {
		const { unit, clerk } = await clerkWithRoster(1);
		const session = await signIn(db, clerk.idNo);
		const name = batchFileName(unit.code);
		const body = countedBody(
			multipartHead({ _csrf: session.csrf, unitCode: unit.code, contactName: "張聯絡", contactEmail: "contact@unit.example.tw" }, { field: "file", name }),
			12 * 1024 * 1024,
			MULTIPART_TAIL,
		);
		const res = await request("/batches", {
			method: "POST",
			headers: { Cookie: session.cookie, "Content-Type": MULTIPART_TYPE },
			body: body.stream,
			duplex: "half",
		} as RequestInit);
		expect(res.status).toBe(422);
		const html = await res.text();
		expect(html).toContain(FILE_REASONS.FILE_TOO_LARGE.message);
		expect(html).toContain(FILE_REASONS.FILE_TOO_LARGE.fix);
		expect(html).toContain('id="upload-form"');
		expect(html).toContain('value="張聯絡"');
		expect(body.read()).toBeLessThanOrEqual(10 * 1024 * 1024 + 256 * 1024);
		const records = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(records).toHaveLength(1);
		expect(records[0]).toMatchObject({ status: "failed", failureCode: "FILE_TOO_LARGE", fileName: name, contactName: "張聯絡" });
	});

	it("answers a 90 MB upload with the same form and record, without reading past the 10 MB limit", async () => {
		const { unit, session } = await clerkWithRoster(1);
		const name = batchFileName(unit.code);
		const body = countedBody(
			multipartHead({ unitCode: unit.code, contactName: "王承辦", contactEmail: "contact@unit.example.tw" }, { field: "file", name }),
			90 * 1024 * 1024,
			MULTIPART_TAIL,
		);
		const res = await request("/batches", { method: "POST", session, headers: { "Content-Type": MULTIPART_TYPE }, body: body.stream, duplex: "half" } as RequestInit);
		expect(res.status).toBe(422);
		expect(await res.text()).toContain("檔案超過 10 MB 上限");
		expect(body.read()).toBeLessThanOrEqual(10 * 1024 * 1024 + 256 * 1024);
		const [record] = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(record).toMatchObject({ failureCode: "FILE_TOO_LARGE", fileName: name });
	});

	it("asks for a file when none was chosen, storing nothing", async () => {
		const { unit, session } = await clerkWithRoster(1);
		// What a browser sends for an empty file input: a file part with no name and no content.
		const body = multipartForm({ unitCode: unit.code, contactName: "王承辦", contactEmail: "contact@unit.example.tw" }, { field: "file", name: "", content: new Uint8Array() });
		const res = await request("/batches", { method: "POST", session, headers: { "Content-Type": MULTIPART_TYPE }, body });
		expect(res.status).toBe(400);
		const html = await res.text();
		expect(html).toContain("請選擇要上傳的檔案。");
		expect(html).not.toContain("輸入資料有誤");
		expect(html).toContain('id="upload-form"');
		expect(await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all()).toHaveLength(0);
	});

	it("takes the CSRF token from the form's hidden field, as the page sends it, and refuses a wrong one", async () => {
		const { unit, members, clerk } = await clerkWithRoster(1);
		const session = await signIn(db, clerk.idNo);
		const content = new TextEncoder().encode(`${members[0]},a@example.com.tw,0912345678,\r\n`);
		const send = (token: string) =>
			request("/batches", {
				method: "POST",
				headers: { Cookie: session.cookie, "Content-Type": MULTIPART_TYPE },
				body: multipartForm({ _csrf: token, unitCode: unit.code, contactName: "王承辦", contactEmail: "contact@unit.example.tw" }, { field: "file", name: batchFileName(unit.code), content }),
			});
		expect((await send(randomToken(24))).status).toBe(403);
		expect(await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all()).toHaveLength(0);
		const res = await send(session.csrf);
		expect(res.status).toBe(303);
	});

	it("refuses a Big5 file with a user-defined character (造字 0x8140) on the form, saying on which line and byte, and keeps that in the rejection record", async () => {
		const content = concatBytes(BIG5_HEADER_ROW, "A123456789,", hexBytes("8140"), ",0912345678,\r\n");
		const r = await rejected(content);
		expect(r.res.status).toBe(422);
		const html = await r.res.text();
		const byte = BIG5_HEADER_ROW.length + "A123456789,".length + 1;
		expect(html).toContain(FILE_REASONS.FILE_BIG5_USER_DEFINED.message);
		expect(html).toContain(`（第 2 列，檔案第 ${byte} 個位元組：0x8140）`);
		expect(html).toContain(FILE_REASONS.FILE_BIG5_USER_DEFINED.fix);
		expect(r.batches[0]).toMatchObject({ status: "failed", failureCode: "FILE_BIG5_USER_DEFINED" });
		expect(r.batches[0]?.failureMessage).toContain(`第 2 列，檔案第 ${byte} 個位元組`);
	});
});

describe("registrations across uploads", () => {
	it("refuses a person who already completed registration, and re-sends to one still pending", async () => {
		const { unit, session, members } = await clerkWithRoster(2);
		const [done, pending] = members as [string, string];
		const first = await uploadFile(session, unit.code, batchFileName(unit.code), `${done},a@example.com.tw,0912345678,\n${pending},old@example.com.tw,0912345678,\n`);
		await runBatchToEnd(first.batchId ?? "");
		await db.update(registrations).set({ status: "verified", verifiedAt: Date.now() }).where(eq(registrations.idNo, done));
		const before = await db.select().from(registrations).where(eq(registrations.idNo, pending)).get();

		const second = await uploadFile(session, unit.code, batchFileName(unit.code), `${done},a@example.com.tw,0912345678,\n${pending},new@example.com.tw,0987654321,\n`);
		const batch = await runBatchToEnd(second.batchId ?? "");
		expect((await rowsOf(batch.id)).map((r) => r.code)).toEqual(["ALREADY_VERIFIED", "RESENT"]);
		const after = await db.select().from(registrations).where(eq(registrations.idNo, pending)).get();
		expect(after).toMatchObject({ status: "pending", email: "new@example.com.tw", mobile: "0987654321", batchId: batch.id });
		expect(after?.generation).toBe((before?.generation ?? 0) + 1);
		expect(after?.id).toBe(before?.id);
		const log = await logText(batch.id);
		expect(log.text).toContain("重新寄送認證信");
	});

	it("keeps one pending registration per person when two uploads of a unit overlap", async () => {
		const { unit, session, members } = await clerkWithRoster(3);
		const text = members.map((m) => `${m},x@example.com.tw,0912345678,`).join("\n");
		const one = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		const two = await uploadFile(session, unit.code, batchFileName(unit.code), text);
		await Promise.all([runBatchToEnd(one.batchId ?? ""), runBatchToEnd(two.batchId ?? "")]);
		for (const m of members) {
			expect(await db.select().from(registrations).where(eq(registrations.idNo, m)).all()).toHaveLength(1);
		}
		const ends = await db.select().from(batches).where(eq(batches.unitCode, unit.code)).all();
		expect(ends.map((b) => b.successCount + b.failureCount)).toEqual([3, 3]);
	});
});

describe("crash recovery", () => {
	/** Everything a replay must leave exactly as it was. */
	async function snapshot(unitCode: string, batchId: string) {
		return {
			registrations: await db
				.select({ id: registrations.id, idNo: registrations.idNo, generation: registrations.generation, status: registrations.status })
				.from(registrations)
				.where(eq(registrations.unitCode, unitCode))
				.orderBy(registrations.idNo)
				.all(),
			rows: (await rowsOf(batchId)).map((r) => [r.rowNo, r.code, r.outcome]),
			handoffs: (await db.select().from(verificationHandoffs).where(eq(verificationHandoffs.batchId, batchId)).orderBy(verificationHandoffs.registrationId).all()).map((h) => [h.registrationId, h.generation, h.state]),
			mails: (await db.select().from(mailOutbox).where(eq(mailOutbox.idempotencyKey, `batch-result:${batchId}`)).all()).length,
			verificationMails: (await db.select().from(mailOutbox).where(like(mailOutbox.idempotencyKey, `verify:${batchId}:%`)).all()).length,
			tickets: (await db.select({ hash: verificationTickets.ticketHash }).from(verificationTickets).where(eq(verificationTickets.batchId, batchId)).orderBy(verificationTickets.ticketHash).all()).map((t) => t.hash),
			batch: await db
				.select({ status: batches.status, total: batches.totalRows, ok: batches.successCount, bad: batches.failureCount, finishedAt: batches.finishedAt })
				.from(batches)
				.where(eq(batches.id, batchId))
				.get(),
		};
	}

	it.each(["parse", "register", "notify", "verify"] as const)(
		"replays everything from %s after a crash that lost the object's progress: no double registration, one mail, exact counts",
		async (rewindTo) => {
			const { unit, session, members } = await clerkWithRoster(4);
			const text = [...members.map((m) => `${m},x@example.com.tw,0912345678,`), `${freshIdNo()},y@example.com.tw,0912345678,`].join("\n");
			const { batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), text);
			const id = batchId ?? "";
			await runBatchToEnd(id);
			const before = await snapshot(unit.code, id);
			expect(before.batch).toMatchObject({ status: "done", total: 5, ok: 4, bad: 1 });
			expect(before.mails).toBe(1);
			expect(before.verificationMails).toBe(4);
			expect(before.tickets).toHaveLength(4);

			// The worst crash for each step: every D1 write of that step and after it landed, but the
			// object's own progress did not. Put the object back as it was when the step began.
			const stub = env.BATCH_UPLOAD.getByName(id);
			await runInDurableObject(stub, async (instance: BatchUpload, state) => {
				const sql = state.storage.sql;
				if (rewindTo === "parse") {
					sql.exec("INSERT INTO file_parts (idx, text) VALUES (0, ?)", text);
				} else if (rewindTo === "verify") {
					// Its last D1 write (the hand-offs marked opened) landed; the step's end did not.
					sql.exec("UPDATE state SET ticket_key = ?", newTicketKey());
				} else {
					const parsed = parseStep(text);
					if (!parsed.ok) throw new Error("fixture does not parse");
					parsed.chunks.forEach(({ results, contacts }, idx) => {
						sql.exec(
							"INSERT INTO chunks (idx, rows, contacts, last_row) VALUES (?, ?, ?, ?)",
							idx,
							JSON.stringify(results),
							JSON.stringify(contacts),
							results.at(-1)?.[0] ?? 0,
						);
					});
				}
				sql.exec("UPDATE state SET step = ?, cursor = 0", rewindTo);
				for (let i = 0; i < 20 && (await instance.progress())?.step !== "done"; i++) await instance.alarm();
			});
			const after = await snapshot(unit.code, id);
			expect(after.registrations).toEqual(before.registrations);
			expect(after.rows).toEqual(before.rows);
			expect(after.handoffs).toEqual(before.handoffs);
			expect(after.mails).toBe(1);
			expect(after.verificationMails).toBe(before.verificationMails);
			expect(after.tickets).toEqual(before.tickets);
			expect(after.batch).toEqual(before.batch);
		},
	);
});

describe("who may upload", () => {
	it("refuses a signed-out visitor, a clerk of another unit, and a request without the CSRF token", async () => {
		const { unit, members } = await clerkWithRoster(1);
		const other = await makeUnit(db);
		const otherClerk = await signIn(db, (await makeStaff(db, other.code, "clerk")).idNo);
		const content = `${members[0]},a@example.com.tw,0912345678,\n`;

		const form = new FormData();
		form.set("unitCode", unit.code);
		form.set("contactName", "x");
		form.set("contactEmail", "x@example.com.tw");
		form.set("file", new File([content], batchFileName(unit.code)));
		expect((await request("/batches", { method: "POST", body: form })).status).toBe(401);

		expect((await uploadFile(otherClerk, unit.code, batchFileName(unit.code), content)).res.status).toBe(403);

		const own = await signIn(db, (await makeStaff(db, unit.code, "clerk")).idNo);
		const noToken = await request("/batches", { method: "POST", body: form, session: { ...own, csrf: "wrong" } });
		expect(noToken.status).toBe(403);
		const stored = await db.select().from(batches).where(and(eq(batches.unitCode, unit.code))).all();
		expect(stored).toHaveLength(0);
	});
});
