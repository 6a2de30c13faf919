// Hostile input (SPEC §7): script and formula injection in every CSV field and in the contact name and
// file name, uploaded through the real route and processed, must come out inert — HTML-escaped on every
// page, and every CSV cell that a spreadsheet would run as a formula prefixed with '. An oversized file
// leaves only its rejection record; malformed bodies are refused without storing anything.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { batchFileName, makeStaff, makeUnit, request, runBatchToEnd, signIn, testDb, uploadFile } from "../fixtures/index.ts";

const db = testDb();
const PAYLOADS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>', '=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"];
const FORMULA_START = /^[=+\-@\t\r]/;

/** A CSV line's cells (quotes honoured). */
function cells(line: string): string[] {
	const out: string[] = [];
	let cur = "";
	let quoted = false;
	for (let i = 0; i < line.length; i++) {
		const ch = line[i];
		if (quoted) {
			if (ch === '"' && line[i + 1] === '"') (cur += '"'), i++;
			else if (ch === '"') quoted = false;
			else cur += ch;
		} else if (ch === '"') quoted = true;
		else if (ch === ",") out.push(cur), (cur = "");
		else cur += ch;
	}
	out.push(cur);
	return out;
}

async function countBatches(): Promise<unknown> {
	return env.DB.prepare("SELECT count(*) AS n FROM batches").first("n");
}

describe("hostile input", () => {
	it("shows script and formula payloads in every CSV field and the contact name inert on the pages, the log and the result CSV", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const csvCell = (p: string) => `"${p.replaceAll('"', '""')}"`;
		const lines = PAYLOADS.flatMap((p) => [
			`${csvCell(p)},a@example.com.tw,0912345678,`,
			`A123456789,${csvCell(p)},0912345678,`,
			`A123456789,a@example.com.tw,${csvCell(p)},`,
			`A123456789,a@example.com.tw,0912345678,${csvCell(p)}`,
		]);
		const { res, batchId } = await uploadFile(session, unit.code, batchFileName(unit.code), lines.join("\r\n"), { name: PAYLOADS[0] ?? "", email: "contact@unit.example.tw" });
		expect(res.status).toBe(303);
		if (!batchId) throw new Error("upload refused");
		await runBatchToEnd(batchId);

		for (const path of ["/batches", `/batches/${batchId}`, `/batches/${batchId}/log`, "/dev/mailbox"]) {
			const page = await request(path, { session });
			expect([path, page.status]).toEqual([path, 200]);
			const html = await page.text();
			expect(html).not.toContain("<script>alert");
			expect(html).not.toMatch(/<img src=x/i);
			expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
		}
		const mailText = JSON.stringify((await env.DB.prepare("SELECT html FROM mail_outbox").all()).results);
		expect(mailText).not.toContain("<script>alert");

		for (const path of [`/batches/${batchId}/result.csv`, `/batches/${batchId}/log/download`]) {
			const file = await request(path, { session });
			expect([path, file.status]).toEqual([path, 200]);
			const text = (await file.text()).replace(/^\uFEFF/, "");
			for (const line of text.split(/\r?\n/).filter(Boolean)) {
				for (const cell of cells(line)) expect([path, cell, FORMULA_START.test(cell)]).toEqual([path, cell, false]);
			}
		}
	});

	it("keeps bidi controls out of the stored file name and contact name, the pages, the log and the result CSV", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const bidi = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
		const name = batchFileName(unit.code).replace(".csv", "\u202E.csv");
		const lines = ["A12\u202E3456789,a@example.com.tw,0912345678,", "\u2066B123456789\u2069,b\u202E@example.com.tw,0912345678,"];
		const { res, batchId } = await uploadFile(session, unit.code, name, lines.join("\r\n"), { name: "王\u202E承辦", email: "contact@unit.example.tw" });
		expect(res.status).toBe(303);
		if (!batchId) throw new Error("upload refused");
		await runBatchToEnd(batchId);
		const stored = await env.DB.prepare("SELECT file_name, contact_name FROM batches WHERE id = ?1").bind(batchId).first<{ file_name: string; contact_name: string }>();
		expect(stored).toEqual({ file_name: batchFileName(unit.code), contact_name: "王承辦" });
		for (const path of ["/batches", `/batches/${batchId}`, `/batches/${batchId}/log`, `/batches/${batchId}/log/download`, `/batches/${batchId}/result.csv`]) {
			const text = await (await request(path, { session })).text();
			expect([path, bidi.test(text)]).toEqual([path, false]);
		}
		const rows = JSON.stringify((await env.DB.prepare("SELECT * FROM batch_rows WHERE batch_id = ?1").bind(batchId).all()).results);
		expect(bidi.test(rows)).toBe(false);
	});

	it("answers a file over 10 MB with the upload form and 檔案超過 10 MB 上限, storing only the rejection record", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const before = await countBatches();
		const big = new Uint8Array(10 * 1024 * 1024 + 200 * 1024).fill(0x41);
		const { res, batchId } = await uploadFile(await signIn(db, clerk.idNo), unit.code, batchFileName(unit.code), big);
		expect(res.status).toBe(422);
		const html = await res.text();
		expect(html).toContain("檔案超過 10 MB 上限");
		expect(html).toContain('id="upload-form"');
		expect(batchId).toBeNull();
		expect(await countBatches()).toBe(Number(before) + 1);
		const last = await env.DB.prepare("SELECT status, failure_code FROM batches WHERE unit_code = ?1").bind(unit.code).first();
		expect(last).toEqual({ status: "failed", failure_code: "FILE_TOO_LARGE" });
	});

	it("refuses a JSON body where the upload form is expected, storing nothing", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const before = await countBatches();
		const json = await request("/batches", { method: "POST", session, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ unitCode: unit.code, file: "x" }) });
		expect(json.status).toBeGreaterThanOrEqual(400);
		expect(json.status).toBeLessThan(500);
		expect(await countBatches()).toBe(before);
	});

	it("answers a malformed multipart upload with 400, storing nothing", async () => {
		const unit = await makeUnit(db);
		const clerk = await makeStaff(db, unit.code, "clerk");
		const session = await signIn(db, clerk.idNo);
		const before = await countBatches();
		const broken = await request("/batches", {
			method: "POST",
			session,
			headers: { "Content-Type": "multipart/form-data; boundary=XYZ" },
			body: `--XYZ\r\nContent-Disposition: form-data; name="unitCode"\r\n\r\n${unit.code}\r\n--XY`,
		});
		expect(await countBatches()).toBe(before);
		expect(broken.status).toBe(400);
	});
});
