// The contract with the portal: the helper, loaded with exactly what the seed step writes (cards.json
// from scripts/demo-data.ts, certs.json from scripts/dev-pki.ts), signs texts the portal's own payload
// functions and certificate verifier accept. If either side changes a payload or a file format, this fails.

import assert from "node:assert/strict";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDemoData, readerKeyFile, type ReaderCard } from "../../scripts/demo-data.ts";
import { createDevPki, DEMO_PIN, type DevPki } from "../../scripts/dev-pki.ts";
import { certificateSignedText, nhiCardSignedText, utf8 } from "../../workers/domain/proof-payloads.ts";
import { verifyCertificateProof } from "../../workers/services/certificate-proof.ts";
import { certificatePayload, nhiCardPayload } from "../payloads.ts";
import { call, field, PORTAL_ORIGIN, startTestReader } from "./fixtures.ts";

const CHALLENGE = "Zp3Xk7Qm1Vc5Rt9Nw2Hb6Ls0Jd4Gf8Ya";

let dir: string;
let staffCard: ReaderCard;
let pki: DevPki;

before(async () => {
	const data = buildDemoData();
	const cards = readerKeyFile(data);
	const staffId = data.staff[0]?.idNo;
	const card = Object.values(cards).find((c) => c.idNo === staffId && c.status === "active");
	assert.ok(card);
	staffCard = card;
	pki = await createDevPki(data);
	dir = mkdtempSync(path.join(tmpdir(), "reader-contract-"));
	writeFileSync(path.join(dir, "cards.json"), JSON.stringify(cards));
	writeFileSync(path.join(dir, "certs.json"), JSON.stringify(pki.certificates));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("contract with the portal", () => {
	it("builds the same payload bytes as the portal's verifier", () => {
		assert.deepEqual(nhiCardPayload(PORTAL_ORIGIN, CHALLENGE, staffCard.cardNo), utf8(nhiCardSignedText({ origin: PORTAL_ORIGIN, challenge: CHALLENGE, cardNo: staffCard.cardNo })));
		assert.deepEqual(certificatePayload(PORTAL_ORIGIN, CHALLENGE), utf8(certificateSignedText({ origin: PORTAL_ORIGIN, challenge: CHALLENGE })));
	});

	it("signs with a seeded NHI card so that the card's registered public key verifies it", async (t) => {
		const reader = await startTestReader(dir);
		t.after(() => reader.close());
		reader.backend.insertNhiCard(staffCard.cardNo);
		const reply = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: CHALLENGE } });
		assert.equal(reply.status, 200, reply.text);
		const key = createPublicKey({ key: staffCard.publicKey, format: "jwk" });
		const text = utf8(nhiCardSignedText({ origin: PORTAL_ORIGIN, challenge: CHALLENGE, cardNo: String(field(reply, "basic", "cardNo")) }));
		assert.ok(verify("sha256", text, { key, dsaEncoding: "ieee-p1363" }, Buffer.from(String(field(reply, "signature")), "base64url")));
	});

	it("offers only the signing certificate of a dev card that, like a real one, also holds an encryption certificate", async (t) => {
		const reader = await startTestReader(dir);
		t.after(() => reader.close());
		const id = "moica-110001000-manager";
		reader.backend.insertCertificateCard(id);
		const listed = await call(reader, "GET", "/v1/certificates", { origin: PORTAL_ORIGIN });
		assert.deepEqual(Array.isArray(listed.json) ? listed.json.map((c: { id: string }) => c.id) : listed.text, [id]);
		const encryption = await call(reader, "POST", "/v1/certificates/sign", { origin: PORTAL_ORIGIN, body: { id: `${id}.encryption`, pin: DEMO_PIN, challenge: CHALLENGE } });
		assert.equal(field(encryption, "error", "code"), "CARD_NOT_FOUND");
		assert.match(String(field(encryption, "error", "message")), /加密用憑證/);
	});

	it("loads the dev PKI's certificate cards and its signatures, with the issuing CA passed along, pass the portal's check trusting the root alone", async (t) => {
		const reader = await startTestReader(dir);
		t.after(() => reader.close());
		for (const id of ["moica-110001000-manager", "moeaca-110001000"]) {
			const cert = pki.certificates.find((c) => c.id === id);
			assert.ok(cert, id);
			reader.backend.insertCertificateCard(id);
			const reply = await call(reader, "POST", "/v1/certificates/sign", { origin: PORTAL_ORIGIN, body: { id, pin: DEMO_PIN, challenge: CHALLENGE } });
			assert.equal(reply.status, 200, reply.text);
			const chain = field(reply, "chain");
			assert.deepEqual(chain, cert.chainDer, "the helper passes the card's issuing CA");
			const proof = {
				certificateDer: String(field(reply, "certificate")),
				signature: String(field(reply, "signature")),
				origin: PORTAL_ORIGIN,
				challenge: CHALLENGE,
				trustedRootsPem: pki.rootPem,
			};
			const result = await verifyCertificateProof({ ...proof, chain: cert.chainDer });
			assert.equal(result.kind, cert.kind);
			// Without the issuing CA the root alone cannot reach the card's certificate.
			await assert.rejects(verifyCertificateProof(proof), /憑證非由受信任之憑證機構簽發/);
		}
	});
});
