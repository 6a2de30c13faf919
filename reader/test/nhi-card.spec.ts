// Reading and signing with a virtual NHI card through the HTTP API, and checking the signature the way
// the portal will: node:crypto, the card's public key, exactly the payload with the requesting origin.

import assert from "node:assert/strict";
import { verify } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { nhiCardPayload } from "../payloads.ts";
import { call, field, type KeysDir, makeKeysDir, OTHER_ALLOWED_ORIGIN, PORTAL_ORIGIN, startTestReader, type TestCard } from "./fixtures.ts";

let keys: KeysDir;
let card: TestCard;
before(async () => {
	keys = await makeKeysDir();
	const first = keys.cards[0];
	assert.ok(first);
	card = first;
});
after(() => keys.remove());

const CHALLENGE = "Vq2n8XbL0cRk5TzYw3HdMf7Ga1Ps9Ej4";

function verifies(signature: string, payload: Uint8Array): boolean {
	return verify("sha256", payload, { key: card.publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
}

describe("NHI card", () => {
	it("reports no card, then the inserted NHI card, in the status", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const empty = await call(reader, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.deepEqual(empty.json, { reader: true, card: null, cards: [], backend: "virtual" });
		reader.backend.insertNhiCard(card.cardNo);
		const inserted = await call(reader, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.deepEqual(inserted.json, { reader: true, card: { kind: "nhi" }, cards: [{ reader: "虛擬讀卡機", kind: "nhi" }], backend: "virtual" });
	});

	it("reads the basic data in ROC dates", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertNhiCard(card.cardNo);
		const reply = await call(reader, "POST", "/v1/nhi-card/read", { origin: PORTAL_ORIGIN });
		assert.equal(reply.status, 200);
		assert.deepEqual(reply.json, { cardNo: card.cardNo, name: "陳怡君", idNo: card.idNo, birthDate: "0780512", sex: "F", issuedOn: "1050713" });
	});

	it("signs the challenge over the requesting origin, and the signature verifies with the card's key", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertNhiCard(card.cardNo);
		const reply = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: CHALLENGE } });
		assert.equal(reply.status, 200, reply.text);
		assert.equal(field(reply, "origin"), PORTAL_ORIGIN);
		assert.equal(field(reply, "basic", "cardNo"), card.cardNo);
		const signature = String(field(reply, "signature"));
		assert.equal(Buffer.from(signature, "base64url").length, 64, "P-256 r‖s is 64 bytes");
		assert.ok(verifies(signature, nhiCardPayload(PORTAL_ORIGIN, CHALLENGE, card.cardNo)));
		assert.equal(
			Buffer.from(nhiCardPayload(PORTAL_ORIGIN, CHALLENGE, card.cardNo)).toString("utf8"),
			`nhi-card-challenge\n${PORTAL_ORIGIN}\n${CHALLENGE}\n${card.cardNo}`,
		);
	});

	it("makes a signature for origin A that does not verify for origin B, another challenge or another card", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertNhiCard(card.cardNo);
		const reply = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: CHALLENGE } });
		const signature = String(field(reply, "signature"));
		assert.ok(!verifies(signature, nhiCardPayload(OTHER_ALLOWED_ORIGIN, CHALLENGE, card.cardNo)));
		assert.ok(!verifies(signature, nhiCardPayload(PORTAL_ORIGIN, `${CHALLENGE}x`, card.cardNo)));
		assert.ok(!verifies(signature, nhiCardPayload(PORTAL_ORIGIN, CHALLENGE, keys.cards[1]?.cardNo ?? "")));

		const fromB = await call(reader, "POST", "/v1/nhi-card/sign", { origin: OTHER_ALLOWED_ORIGIN, body: { challenge: CHALLENGE } });
		assert.equal(field(fromB, "origin"), OTHER_ALLOWED_ORIGIN);
		assert.ok(verifies(String(field(fromB, "signature")), nhiCardPayload(OTHER_ALLOWED_ORIGIN, CHALLENGE, card.cardNo)));
		assert.ok(!verifies(String(field(fromB, "signature")), nhiCardPayload(PORTAL_ORIGIN, CHALLENGE, card.cardNo)));
	});

	it("says NO_CARD with no card and WRONG_CARD_KIND with a certificate card", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const none = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: CHALLENGE } });
		assert.equal(none.status, 409);
		assert.equal(field(none, "error", "code"), "NO_CARD");
		assert.match(String(field(none, "error", "message")), /請插入健保卡/);
		assert.equal(none.headers["access-control-allow-origin"], PORTAL_ORIGIN, "the page can read why");

		reader.backend.insertCertificateCard(keys.certs[0]?.id ?? "");
		const wrong = await call(reader, "POST", "/v1/nhi-card/read", { origin: PORTAL_ORIGIN });
		assert.equal(field(wrong, "error", "code"), "WRONG_CARD_KIND");
	});
});
