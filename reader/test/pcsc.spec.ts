// The pcsc backend against a real PC/SC stack: pcscd with vsmartcard's virtual reader (vpcd) and an
// emulated NHI card (stacks/nhi_card_emulator.py, vsmartcard's VirtualICC) that answers SELECT / READ
// PROFILE with the 57-byte profile, a Big5 name and 61xx chaining (stacks/pcsc-stack.ts). Only the
// physical card reader is stood in for. Skipped, saying why, where pcscd, vpcd, python3-virtualsmartcard
// or the smartcard binding is missing (e.g. a laptop without them); CI installs them (.ci/run, which
// sets REQUIRE_CARD_STACKS=1 so that a missing stack fails there).

import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { importOptional } from "../backends/optional-module.ts";
import { PcscBackend } from "../backends/pcsc.ts";
import { call, field, PORTAL_ORIGIN, type Reply, startReaderOn } from "./fixtures.ts";
import { type EmulatedCard, PcscStack, pcscStackMissing, READER_NAMES } from "./stacks/pcsc-stack.ts";
import { skipUnlessStack } from "./stacks/skip.ts";

const WANG: EmulatedCard = { cardNo: "000011112222", name: "王曉明", idNo: "A123456789", birthDate: "0750101", sex: "M", issuedOn: "1120301" };
/** Four characters, 8 bytes of Big5 with trail bytes in both ranges (40–7E, A1–FE). */
const OUYANG: EmulatedCard = { cardNo: "000033334444", name: "歐陽靜香", idNo: "B234567891", birthDate: "0891231", sex: "F", issuedOn: "1100615" };

async function unavailable(): Promise<{ stack?: PcscStack; skip?: string }> {
	const missing = pcscStackMissing();
	if (missing) return { skip: `PC/SC stack missing: ${missing}` };
	try {
		await importOptional("smartcard", "npm install");
	} catch {
		return { skip: "the smartcard binding is not installed (npm install builds it; it needs libpcsclite-dev and a C++ compiler)" };
	}
	try {
		return { stack: await PcscStack.start() };
	} catch (err) {
		return { skip: `could not start a private pcscd: ${err instanceof Error ? err.message : String(err)}` };
	}
}

const started = await unavailable();
const { stack } = started;
const skip = skipUnlessStack("PC/SC tests", started.skip);
after(() => stack?.stop());

describe("NHI cards through PC/SC (pcscd + vpcd + an emulated card)", { skip }, () => {
	async function reader() {
		return startReaderOn(await PcscBackend.open(() => undefined));
	}

	function read(r: { port: number }): Promise<Reply> {
		return call(r, "POST", "/v1/nhi-card/read", { origin: PORTAL_ORIGIN });
	}

	function basic(card: EmulatedCard) {
		return { cardNo: card.cardNo, name: card.name, idNo: card.idNo, birthDate: card.birthDate, sex: card.sex, issuedOn: card.issuedOn };
	}

	it("reads an inserted card's basic data: Big5 name, ID, ROC dates, over 61xx response chaining", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		for (const card of [WANG, OUYANG]) {
			await stack?.insert(0, card);
			const reply = await read(r);
			assert.equal(reply.status, 200, reply.text);
			assert.deepEqual(reply.json, basic(card));
		}
		const status = await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.deepEqual(status.json, { reader: true, card: { kind: "nhi" }, cards: [{ reader: READER_NAMES[0], kind: "nhi" }], backend: "pcsc" });
	});

	it("says 請插入健保卡 once the card is taken out", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		await stack?.insert(0, WANG);
		assert.equal((await read(r)).status, 200);
		await stack?.remove(0);
		const reply = await read(r);
		assert.equal(reply.status, 409, reply.text);
		assert.equal(field(reply, "error", "code"), "NO_CARD");
		assert.match(String(field(reply, "error", "message")), /請插入健保卡/);
		assert.deepEqual((await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN })).json, { reader: true, card: null, cards: [], backend: "pcsc" });
	});

	it("reads the card in a second reader, also while the first holds a card that is not an NHI card", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		await stack?.remove(0);
		await stack?.insert(1, OUYANG);
		assert.deepEqual((await read(r)).json, basic(OUYANG));

		await stack?.insert(0, null);
		assert.deepEqual((await read(r)).json, basic(OUYANG));
		const status = await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.deepEqual(field(status, "card"), { kind: "nhi" });
		assert.deepEqual(field(status, "cards"), [
			{ reader: READER_NAMES[0], kind: "unknown" },
			{ reader: READER_NAMES[1], kind: "nhi" },
		]);
		await stack?.remove(1);
	});

	it("tells a card that answers 6A82 to the NHI applet's SELECT that it is not an NHI card", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		await stack?.remove(1);
		await stack?.insert(0, null);
		const reply = await read(r);
		assert.equal(reply.status, 409, reply.text);
		assert.equal(field(reply, "error", "code"), "WRONG_CARD_KIND");
		assert.match(String(field(reply, "error", "message")), /插入的不是健保卡/);
		assert.deepEqual(field(await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN }), "card"), { kind: "unknown" });
		await stack?.remove(0);
	});

	// Last: it stops the stack's pcscd.
	it("says no reader is found when pcscd is not running, with how to start it", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		await stack?.insert(0, WANG);
		await stack?.stopPcscd();
		assert.deepEqual((await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN })).json, { reader: false, card: null, cards: [], backend: "pcsc" });
		const reply = await read(r);
		assert.equal(reply.status, 503, reply.text);
		assert.equal(field(reply, "error", "code"), "NO_READER");
		assert.match(String(field(reply, "error", "message")), /pcscd/);
	});
});
