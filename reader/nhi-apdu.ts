// The NHI card's APDU conversation (SPEC §8), free of any reader library: the PC/SC backend injects
// `transmit`, tests inject recorded responses. ISO/IEC 7816-4: a response ends in the status word
// SW1 SW2; 90 00 is success, 61 xx says xx more bytes wait for a GET RESPONSE (T=0 response chaining).

import type { NhiBasicData } from "./card.ts";
import { ReaderError } from "./errors.ts";

export type Transmit = (apdu: Uint8Array) => Promise<Uint8Array>;

/** SELECT by AID D1 58 00 00 01 00 00 00 00 00 00 00 00 00 11 00: the NHI card's health-insurance applet. */
export const SELECT_NHI_APPLET = Uint8Array.of(
	0x00, 0xa4, 0x04, 0x00, 0x10,
	0xd1, 0x58, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x11, 0x00,
);
/** GET DATA 11 00 with 2 data bytes 00 00: the card's basic-data profile (57 bytes). */
export const READ_NHI_PROFILE = Uint8Array.of(0x00, 0xca, 0x11, 0x00, 0x02, 0x00, 0x00);
export const NHI_PROFILE_LENGTH = 57;

/** GET RESPONSE for `length` bytes; Le 00 means 256. */
export function getResponse(length: number): Uint8Array {
	return Uint8Array.of(0x00, 0xc0, 0x00, 0x00, length & 0xff);
}

/** A card answers GET RESPONSE with at most 256 bytes, so a long chain is a broken card or reader. */
const MAX_CHAINED_RESPONSES = 16;

export class StatusWordError extends Error {
	readonly statusWord: string;
	constructor(statusWord: string) {
		super(`card returned status ${statusWord}`);
		this.name = "StatusWordError";
		this.statusWord = statusWord;
	}
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

/**
 * Sends `apdu` and returns its response data, following 61 xx with GET RESPONSE until 90 00.
 * Any other status word throws a StatusWordError.
 */
export async function exchange(transmit: Transmit, apdu: Uint8Array): Promise<Uint8Array> {
	const parts: Uint8Array[] = [];
	let response = await transmit(apdu);
	for (let round = 0; ; round++) {
		if (response.length < 2) throw new ReaderError("CARD_ERROR", undefined, { statusWord: hex(response) });
		const sw1 = response[response.length - 2] ?? 0;
		const sw2 = response[response.length - 1] ?? 0;
		parts.push(response.subarray(0, response.length - 2));
		if (sw1 === 0x90 && sw2 === 0x00) break;
		if (sw1 !== 0x61) throw new StatusWordError(hex(Uint8Array.of(sw1, sw2)));
		if (round >= MAX_CHAINED_RESPONSES) throw new ReaderError("CARD_ERROR", undefined, { statusWord: "61XX" });
		response = await transmit(getResponse(sw2));
	}
	const data = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
	let offset = 0;
	for (const part of parts) {
		data.set(part, offset);
		offset += part.length;
	}
	return data;
}

/** SELECT the NHI applet, then read and parse the profile. */
export async function readNhiBasicData(transmit: Transmit): Promise<NhiBasicData> {
	try {
		await exchange(transmit, SELECT_NHI_APPLET);
	} catch (err) {
		// 6A 82 (file not found) and kin: the card in the reader has no NHI applet.
		if (err instanceof StatusWordError) throw new ReaderError("WRONG_CARD_KIND", "插入的不是健保卡，請插入健保卡。", { statusWord: err.statusWord });
		throw err;
	}
	try {
		return parseNhiBasicData(await exchange(transmit, READ_NHI_PROFILE));
	} catch (err) {
		if (err instanceof StatusWordError) throw new ReaderError("CARD_ERROR", undefined, { statusWord: err.statusWord });
		throw err;
	}
}

const ascii = new TextDecoder("ascii");
const big5 = new TextDecoder("big5");

function field(bytes: Uint8Array, start: number, length: number, pattern: RegExp, what: string): string {
	const value = ascii.decode(bytes.subarray(start, start + length));
	if (!pattern.test(value)) throw new ReaderError("CARD_ERROR", `卡片資料格式不正確（${what}）。`);
	return value;
}

/**
 * The 57-byte profile: card no. 12 ASCII | name 20 bytes Big5, NUL- or space-padded | ID 10 ASCII |
 * birth date 7 ROC digits | sex 1 ("M"/"F") | issue date 7 ROC digits.
 */
export function parseNhiBasicData(bytes: Uint8Array): NhiBasicData {
	if (bytes.length < NHI_PROFILE_LENGTH) throw new ReaderError("CARD_ERROR", "卡片資料長度不足。");
	const nameBytes = bytes.subarray(12, 32);
	// Padding is cut as bytes: 0x00 and 0x20 never occur inside a Big5 character (trail bytes 40–7E, A1–FE).
	let end = nameBytes.indexOf(0);
	if (end < 0) end = nameBytes.length;
	while (end > 0 && nameBytes[end - 1] === 0x20) end--;
	const name = big5.decode(nameBytes.subarray(0, end)).trim();
	if (name === "" || name.includes("\uFFFD")) throw new ReaderError("CARD_ERROR", "卡片資料格式不正確（姓名）。");
	const sex = field(bytes, 49, 1, /^[MF]$/, "性別");
	return {
		cardNo: field(bytes, 0, 12, /^\d{12}$/, "卡號"),
		name,
		idNo: field(bytes, 32, 10, /^[A-Z][A-Z0-9]\d{8}$/, "身分證號"),
		birthDate: field(bytes, 42, 7, /^\d{7}$/, "出生日期"),
		sex: sex === "M" ? "M" : "F",
		issuedOn: field(bytes, 50, 7, /^\d{7}$/, "發卡日期"),
	};
}
