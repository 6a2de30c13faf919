// The pkcs11 backend against a real PKCS#11 module: SoftHSM2 tokens made by scripts/softhsm-tokens.ts
// (the same code as `npm run reader:softhsm`) from a fresh dev PKI, one token per card, each holding the
// card's signing and encryption certificates like a real 自然人憑證 / 工商憑證. Signatures are checked by
// the portal's own certificate verifier. Skipped, saying why, where SoftHSM2, pkcs11-tool or the pkcs11js
// binding is missing (e.g. a laptop without them); CI installs them (.ci/run, which sets
// REQUIRE_CARD_STACKS=1 so that a missing stack fails there).

import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { buildDemoData } from "../../scripts/demo-data.ts";
import { createDevPki, DEMO_PIN, type DevPki, type ReaderCertificate } from "../../scripts/dev-pki.ts";
import { softhsmMissing, type SofthsmTokens, writeSofthsmTokens } from "../../scripts/softhsm-tokens.ts";
import { verifyCertificateProof } from "../../workers/services/certificate-proof.ts";
import { importOptional } from "../backends/optional-module.ts";
import { Pkcs11Backend } from "../backends/pkcs11.ts";
import { call, field, PORTAL_ORIGIN, type Reply, startReaderOn } from "./fixtures.ts";
import { skipUnlessStack } from "./stacks/skip.ts";

const CHALLENGE = "Pk11Xk7Qm1Vc5Rt9Nw2Hb6Ls0Jd4Gf8Ya";
const CARDS = ["moica-110001000-manager", "moeaca-110001000"];

async function missingStack(): Promise<string | undefined> {
	const missing = softhsmMissing();
	if (missing) return `SoftHSM2 stack missing: ${missing}`;
	try {
		await importOptional("pkcs11js", "npm install");
		return undefined;
	} catch {
		return "the pkcs11js binding is not installed (npm install builds it; it needs a C++ compiler)";
	}
}

const skip = skipUnlessStack("PKCS#11 tests", await missingStack());

describe("certificate cards through PKCS#11 (SoftHSM2)", { skip }, () => {
	let dir: string;
	let pki: DevPki;
	let tokens: SofthsmTokens;
	let cards: ReaderCertificate[];

	before(async () => {
		pki = await createDevPki(buildDemoData());
		cards = CARDS.map((id) => {
			const card = pki.certificates.find((c) => c.id === id);
			assert.ok(card, id);
			return card;
		});
		dir = mkdtempSync(path.join(tmpdir(), "reader-softhsm-"));
		tokens = writeSofthsmTokens(dir, cards);
		// SoftHSM2 reads its configuration when the module is initialized (Pkcs11Backend.open).
		process.env.SOFTHSM2_CONF = tokens.conf;
	});
	after(() => rmSync(dir, { recursive: true, force: true }));

	async function reader() {
		return startReaderOn(await Pkcs11Backend.open(tokens.module));
	}

	function listed(reply: Reply): { id: string; kind: string; certificate: string }[] {
		assert.equal(reply.status, 200, reply.text);
		assert.ok(Array.isArray(reply.json), reply.text);
		return reply.json;
	}

	function sign(r: { port: number }, id: string, pin: string): Promise<Reply> {
		return call(r, "POST", "/v1/certificates/sign", { origin: PORTAL_ORIGIN, body: { id, pin, challenge: CHALLENGE } });
	}

	async function certificateId(r: { port: number }, kind: "moica" | "moeaca"): Promise<string> {
		const cert = listed(await call(r, "GET", "/v1/certificates", { origin: PORTAL_ORIGIN })).find((c) => c.kind === kind);
		assert.ok(cert, kind);
		return cert.id;
	}

	it("lists the signing certificate of every token with its own kind, never a card's encryption certificate", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		const certs = listed(await call(r, "GET", "/v1/certificates", { origin: PORTAL_ORIGIN }));
		assert.deepEqual(
			certs.map((c) => ({ kind: c.kind, certificate: c.certificate })).sort((a, b) => a.kind.localeCompare(b.kind)),
			cards.map((c) => ({ kind: c.kind, certificate: c.certificateDer })).sort((a, b) => a.kind.localeCompare(b.kind)),
		);
		const status = await call(r, "GET", "/v1/status", { origin: PORTAL_ORIGIN });
		assert.equal(field(status, "backend"), "pkcs11");
		const inserted = field(status, "cards");
		assert.ok(Array.isArray(inserted));
		assert.deepEqual(inserted.map((c: { kind: string }) => c.kind).sort(), ["moeaca", "moica"], "each token reports its own kind");
		assert.deepEqual(field(status, "card"), { kind: "unknown" }, "two kinds inserted: the certificates list tells them apart");
	});

	it("signs a challenge after the right PIN, and the portal's certificate check accepts the 自然人憑證 and the 工商憑證", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		for (const kind of ["moica", "moeaca"] as const) {
			const reply = await sign(r, await certificateId(r, kind), DEMO_PIN);
			assert.equal(reply.status, 200, reply.text);
			const result = await verifyCertificateProof({
				certificateDer: String(field(reply, "certificate")),
				signature: String(field(reply, "signature")),
				origin: PORTAL_ORIGIN,
				challenge: CHALLENGE,
				trustedRootsPem: pki.rootPem,
				// The token holds the issuing CA beside the card's own pair; the portal trusts the root alone.
				chain: field(reply, "chain") as string[],
			});
			assert.equal(result.kind, kind);
			assert.equal((field(reply, "chain") as string[]).length, 1, "the issuing CA comes from the token");
			assert.ok(!reply.text.includes(DEMO_PIN), "the PIN is never echoed");
		}
	});

	it("refuses to sign with a card's encryption certificate", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		const signing = await certificateId(r, "moica");
		const reply = await sign(r, signing.replace(/:01$/, ":02"), DEMO_PIN);
		assert.equal(field(reply, "error", "code"), "CARD_NOT_FOUND");
		assert.match(String(field(reply, "error", "message")), /加密用憑證/);
	});

	it("says how many tries remain after a wrong PIN, and locks the card after the third, refusing even the right PIN", async (t) => {
		const r = await reader();
		t.after(() => r.close());
		const moica = await certificateId(r, "moica");
		const first = await sign(r, moica, "000000");
		assert.equal(first.status, 403, first.text);
		assert.equal(field(first, "error", "code"), "PIN_WRONG");
		assert.equal(field(first, "error", "remainingTries"), 2);
		assert.match(String(field(first, "error", "message")), /尚可嘗試 2 次/);
		assert.equal(field(await sign(r, moica, "111111"), "error", "remainingTries"), 1);

		const third = await sign(r, moica, "222222");
		assert.equal(third.status, 423, third.text);
		assert.equal(field(third, "error", "code"), "PIN_LOCKED");
		assert.match(String(field(third, "error", "message")), /鎖住/);
		const right = await sign(r, moica, DEMO_PIN);
		assert.equal(field(right, "error", "code"), "PIN_LOCKED");

		assert.equal((await sign(r, await certificateId(r, "moeaca"), DEMO_PIN)).status, 200, "the lock belongs to that card only");
		assert.ok(r.logs.every((l) => !l.includes(DEMO_PIN) && !l.includes("000000")), "PINs are never logged");
	});
});
