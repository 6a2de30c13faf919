// Certificate cards on the virtual backend: listing, signing after the PIN, and the card's PIN rule —
// wrong PINs count down, the third locks the card, and a locked card refuses even the right PIN.

import assert from "node:assert/strict";
import { verify, X509Certificate } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { certificatePayload } from "../payloads.ts";
import { call, field, type KeysDir, makeKeysDir, OTHER_ALLOWED_ORIGIN, PORTAL_ORIGIN, startTestReader, type TestCert, type TestReader } from "./fixtures.ts";

let keys: KeysDir;
let moica: TestCert;
let moeaca: TestCert;
before(async () => {
	keys = await makeKeysDir();
	const [first, second] = keys.certs;
	assert.ok(first && second);
	moica = first;
	moeaca = second;
});
after(() => keys.remove());

const CHALLENGE = "Lk4Jd8Qw2Nz6Xc0Vb5Rt9Hy3Ms7Pf1Ga";

function sign(reader: TestReader, pin: string, cert: TestCert = moica, origin = PORTAL_ORIGIN) {
	return call(reader, "POST", "/v1/certificates/sign", { origin, body: { id: cert.id, pin, challenge: CHALLENGE } });
}

function verifies(cert: TestCert, signature: string, payload: Uint8Array): boolean {
	const key = new X509Certificate(cert.der).publicKey;
	const options = key.asymmetricKeyType === "ec" ? { key, dsaEncoding: "ieee-p1363" as const } : key;
	return verify("sha256", payload, options, Buffer.from(signature, "base64url"));
}

describe("certificate cards", () => {
	it("lists the inserted card's certificate as base64 DER", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertCertificateCard(moica.id);
		const status = await call(reader, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.deepEqual(field(status, "card"), { kind: "moica" });
		const reply = await call(reader, "GET", "/v1/certificates", { origin: PORTAL_ORIGIN });
		assert.deepEqual(reply.json, [{ id: moica.id, kind: "moica", subject: "CN=王小明, C=TW", certificate: moica.der.toString("base64") }]);
	});

	it("signs `certificate-challenge` over the requesting origin after the right PIN (RSA and EC keys)", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		for (const cert of [moica, moeaca]) {
			reader.backend.insertCertificateCard(cert.id);
			const reply = await sign(reader, cert.pin, cert);
			assert.equal(reply.status, 200, reply.text);
			assert.equal(field(reply, "certificate"), cert.der.toString("base64"));
			assert.equal(field(reply, "origin"), PORTAL_ORIGIN);
			const signature = String(field(reply, "signature"));
			assert.ok(verifies(cert, signature, certificatePayload(PORTAL_ORIGIN, CHALLENGE)), cert.id);
			assert.ok(!verifies(cert, signature, certificatePayload(OTHER_ALLOWED_ORIGIN, CHALLENGE)), `${cert.id} for another origin`);
			assert.ok(!reply.text.includes(cert.pin), "the PIN is never echoed");
		}
	});

	it("counts wrong PINs down, locks the card on the third, then refuses even the right PIN", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertCertificateCard(moica.id);

		const first = await sign(reader, "000000");
		assert.equal(first.status, 403);
		assert.equal(field(first, "error", "code"), "PIN_WRONG");
		assert.equal(field(first, "error", "remainingTries"), 2);
		assert.match(String(field(first, "error", "message")), /尚可嘗試 2 次/);
		assert.equal(field(await sign(reader, "111111"), "error", "remainingTries"), 1);

		const third = await sign(reader, "222222");
		assert.equal(third.status, 423);
		assert.equal(field(third, "error", "code"), "PIN_LOCKED");
		const right = await sign(reader, moica.pin);
		assert.equal(field(right, "error", "code"), "PIN_LOCKED");
		assert.ok(!right.text.includes("signature"));

		reader.backend.insertCertificateCard(moeaca.id);
		assert.equal((await sign(reader, moeaca.pin, moeaca)).status, 200, "the lock belongs to that card only");
		assert.ok(reader.logs.every((l) => !l.includes(moica.pin) && !l.includes("000000")), "PINs are never logged");
	});

	it("forgets earlier wrong PINs once the right one is given", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertCertificateCard(moica.id);
		await sign(reader, "000000");
		await sign(reader, "000000");
		assert.equal((await sign(reader, moica.pin)).status, 200);
		assert.equal(field(await sign(reader, "000000"), "error", "remainingTries"), 2);
	});

	it("refuses an NHI card, no card, an unknown certificate id and a malformed PIN", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		assert.equal(field(await call(reader, "GET", "/v1/certificates", { origin: PORTAL_ORIGIN }), "error", "code"), "NO_CARD");
		reader.backend.insertNhiCard(keys.cards[0]?.cardNo ?? "");
		assert.equal(field(await sign(reader, moica.pin), "error", "code"), "WRONG_CARD_KIND");
		reader.backend.insertCertificateCard(moica.id);
		assert.equal(field(await sign(reader, moeaca.pin, moeaca), "error", "code"), "CARD_NOT_FOUND");
		assert.equal(field(await sign(reader, "12 34"), "error", "code"), "BAD_REQUEST");
		assert.equal((await sign(reader, moica.pin)).status, 200, "a malformed PIN never reached the card");
	});
});
