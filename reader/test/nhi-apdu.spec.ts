// The NHI card APDU exchange on recorded bytes: SELECT, READ PROFILE answered with 61 39 and fetched by
// GET RESPONSE, the 57-byte layout with a Big5 name, and the status words a reader meets in practice.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ReaderError } from "../errors.ts";
import { exchange, getResponse, parseNhiBasicData, READ_NHI_PROFILE, readNhiBasicData, SELECT_NHI_APPLET, type Transmit } from "../nhi-apdu.ts";

const bytes = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replaceAll(" ", ""), "hex"));
const ascii = (s: string): string => Buffer.from(s, "ascii").toString("hex");

// 陳怡君 in Big5 is B3 AF A9 C9 A7 67 (checked with TextDecoder("big5")), NUL-padded to 20 bytes.
const NAME_BIG5 = "b3af a9c9 a767" + "00".repeat(14);
const PROFILE = bytes(ascii("000012345678") + NAME_BIG5 + ascii("A234567890") + ascii("0780512") + ascii("F") + ascii("1050713"));

/** A card that answers each expected APDU with the recorded response, in order. */
function recordedCard(script: [apdu: Uint8Array, response: Uint8Array][]): { transmit: Transmit; sent: string[] } {
	const sent: string[] = [];
	let step = 0;
	return {
		sent,
		transmit: async (apdu) => {
			sent.push(Buffer.from(apdu).toString("hex"));
			const entry = script[step++];
			if (!entry) throw new Error(`unexpected APDU ${Buffer.from(apdu).toString("hex")}`);
			assert.deepEqual(apdu, entry[0]);
			return entry[1];
		},
	};
}

describe("NHI card APDUs", () => {
	it("has the SPEC's APDUs byte for byte", () => {
		assert.equal(Buffer.from(SELECT_NHI_APPLET).toString("hex"), "00a4040010d1580000010000000000000000001100");
		assert.equal(Buffer.from(READ_NHI_PROFILE).toString("hex"), "00ca1100020000");
		assert.equal(PROFILE.length, 57);
	});

	it("selects the applet, follows 61 39 with GET RESPONSE and parses the 57 bytes", async () => {
		const card = recordedCard([
			[SELECT_NHI_APPLET, bytes("9000")],
			[READ_NHI_PROFILE, bytes("6139")],
			[getResponse(0x39), Uint8Array.from([...PROFILE, 0x90, 0x00])],
		]);
		const data = await readNhiBasicData(card.transmit);
		assert.deepEqual(data, { cardNo: "000012345678", name: "陳怡君", idNo: "A234567890", birthDate: "0780512", sex: "F", issuedOn: "1050713" });
		assert.deepEqual(card.sent.at(-1), "00c0000039");
	});

	it("joins a response chained over several 61 xx parts", async () => {
		const card = recordedCard([
			[READ_NHI_PROFILE, Uint8Array.from([...PROFILE.subarray(0, 20), 0x61, 0x25])],
			[getResponse(0x25), Uint8Array.from([...PROFILE.subarray(20, 40), 0x61, 0x11])],
			[getResponse(0x11), Uint8Array.from([...PROFILE.subarray(40), 0x90, 0x00])],
		]);
		assert.deepEqual(await exchange(card.transmit, READ_NHI_PROFILE), PROFILE);
	});

	it("calls a card without the NHI applet (6A 82) the wrong kind of card", async () => {
		const card = recordedCard([[SELECT_NHI_APPLET, bytes("6a82")]]);
		await assert.rejects(readNhiBasicData(card.transmit), (err) => err instanceof ReaderError && err.code === "WRONG_CARD_KIND" && err.details.statusWord === "6A82");
	});

	it("reports a failed profile read (69 82) as a card error with its status word", async () => {
		const card = recordedCard([
			[SELECT_NHI_APPLET, bytes("9000")],
			[READ_NHI_PROFILE, bytes("6982")],
		]);
		await assert.rejects(readNhiBasicData(card.transmit), (err) => err instanceof ReaderError && err.code === "CARD_ERROR" && err.details.statusWord === "6982");
	});

	it("stops an endless 61 xx chain", async () => {
		const transmit: Transmit = async () => bytes("6101");
		await assert.rejects(exchange(transmit, READ_NHI_PROFILE), (err) => err instanceof ReaderError && err.code === "CARD_ERROR");
	});

	it("trims space padding and keeps the inner spaces of a resident's passport name", () => {
		const name = Buffer.from("NGUYEN VAN HUNG".padEnd(20, " "), "ascii").toString("hex");
		const data = parseNhiBasicData(bytes(ascii("000087654321") + name + ascii("F800000001") + ascii("0850101") + ascii("M") + ascii("1100301")));
		assert.equal(data.name, "NGUYEN VAN HUNG");
		assert.equal(data.idNo, "F800000001");
		assert.equal(data.sex, "M");
	});

	it("refuses short or malformed profiles", () => {
		assert.throws(() => parseNhiBasicData(PROFILE.subarray(0, 56)), ReaderError);
		const badSex = Uint8Array.from(PROFILE);
		badSex[49] = 0x58; // "X"
		assert.throws(() => parseNhiBasicData(badSex), /性別/);
		const badCardNo = Uint8Array.from(PROFILE);
		badCardNo[0] = 0x41; // "A"
		assert.throws(() => parseNhiBasicData(badCardNo), /卡號/);
		const blankName = Uint8Array.from(PROFILE);
		blankName.fill(0x20, 12, 32);
		assert.throws(() => parseNhiBasicData(blankName), /姓名/);
	});
});
