import { beforeAll, describe, expect, it } from "vitest";
import { AppError } from "../../workers/errors.ts";
import {
	matchMoicaPerson,
	unitForMoeaca,
	verifyCertificateProof,
	type CertificateProofInput,
} from "../../workers/services/certificate-proof.ts";
import { freshIdNo, makeUnit, testDb } from "../fixtures/index.ts";
import {
	issueCertificate,
	KeyUsageFlags,
	makeIntermediateCa,
	makeTestCa,
	signCertificateChallenge,
	tamper,
	type TestCa,
	type TestCertificate,
} from "../fixtures/pki.ts";

const db = testDb();
const ORIGIN = "https://portal.test";
const DAY_MS = 86_400_000;
const PERSON = { idNo: freshIdNo("A", "1"), name: "王大明" };

let ca: TestCa;
let otherRoot: TestCa;
/** A 自然人憑證 with an RSA-2048 key, like the real cards. */
let moica: TestCertificate;

beforeAll(async () => {
	ca = await makeTestCa();
	otherRoot = await makeTestCa("Someone Else's Root CA");
	moica = await issueCertificate(ca, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4), key: "rsa" });
});

/** The helper's answer for `holder` to a fresh challenge, checked against our test root. */
async function proofFrom(holder: TestCertificate, over: Partial<CertificateProofInput> & { signedOrigin?: string } = {}): Promise<CertificateProofInput> {
	const challenge = crypto.randomUUID();
	const { signedOrigin, ...rest } = over;
	const signature = await signCertificateChallenge(holder, signedOrigin ?? ORIGIN, challenge);
	return { certificateDer: holder.certificateDer, signature, origin: ORIGIN, challenge, trustedRootsPem: ca.pem, ...rest };
}

async function refusal(promise: Promise<unknown> | (() => unknown)): Promise<AppError> {
	const err = await (typeof promise === "function" ? Promise.resolve().then(promise) : promise).then(
		() => null,
		(e: unknown) => e,
	);
	if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
	expect(err.code).toBe("FORBIDDEN");
	return err;
}

describe("自然人憑證 (MOICA) proof", () => {
	it("accepts a certificate from the trusted root that signed this challenge, and matches its person", async () => {
		const result = await verifyCertificateProof(await proofFrom(moica));

		expect(result).toEqual({
			kind: "moica",
			name: PERSON.name,
			idLast4: PERSON.idNo.slice(-4),
			issuer: ca.cert.subject,
			serial: moica.cert.serialNumber.toUpperCase(),
			publicKeySha256: expect.stringMatching(/^[0-9a-f]{64}$/),
			notAfter: moica.cert.notAfter.getTime(),
		});
		expect(() => matchMoicaPerson(result, PERSON)).not.toThrow();
	});

	it("accepts a certificate whose key is ECDSA P-256", async () => {
		const ec = await issueCertificate(ca, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4), key: "ec" });
		expect((await verifyCertificateProof(await proofFrom(ec))).kind).toBe("moica");
	});

	it("finds the trusted root among several configured ones", async () => {
		const proof = await proofFrom(moica, { trustedRootsPem: `${otherRoot.pem}\n${ca.pem}` });
		expect((await verifyCertificateProof(proof)).idLast4).toBe(PERSON.idNo.slice(-4));
	});

	it("refuses an expired certificate", async () => {
		const now = Date.now();
		const expired = await issueCertificate(ca, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4), notBefore: now - 800 * DAY_MS, notAfter: now - DAY_MS });

		expect((await refusal(verifyCertificateProof(await proofFrom(expired)))).message).toContain("憑證已過期");
	});

	it("refuses a certificate that is not valid yet", async () => {
		const early = await issueCertificate(ca, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4), notBefore: Date.now() + DAY_MS });

		expect((await refusal(verifyCertificateProof(await proofFrom(early)))).message).toContain("憑證尚未生效");
	});

	it("refuses a certificate issued under another root", async () => {
		const foreign = await issueCertificate(otherRoot, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await refusal(verifyCertificateProof(await proofFrom(foreign)))).message).toBe("憑證非由受信任之憑證機構簽發。");
	});

	it("refuses a certificate that names our root as issuer but was signed by another key", async () => {
		const impostor: TestCa = { ...otherRoot, cert: ca.cert };
		const forged = await issueCertificate(impostor, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await refusal(verifyCertificateProof(await proofFrom(forged)))).message).toBe("憑證非由受信任之憑證機構簽發。");
	});

	it("accepts a certificate from an intermediate CA only when the intermediate is configured", async () => {
		const issuing = await makeIntermediateCa(ca);
		const leaf = await issueCertificate(issuing, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await verifyCertificateProof(await proofFrom(leaf, { intermediatesPem: issuing.pem }))).kind).toBe("moica");
		expect((await refusal(verifyCertificateProof(await proofFrom(leaf)))).message).toBe("憑證非由受信任之憑證機構簽發。");
	});

	it("builds the chain through the issuing CA the sign-in passes, up to a root that is the only anchor configured (GRCA → MOICA → card)", async () => {
		const issuing = await makeIntermediateCa(ca, "MOICA Test Issuing CA");
		const leaf = await issueCertificate(issuing, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await verifyCertificateProof(await proofFrom(leaf, { chain: [issuing.cert.toString("base64")] }))).kind).toBe("moica");
	});

	it("builds a chain two CAs deep, whether they come with the sign-in or are configured", async () => {
		const policy = await makeIntermediateCa(ca, "Test Policy CA", 1);
		const issuing = await makeIntermediateCa(policy, "Test Issuing CA");
		const leaf = await issueCertificate(issuing, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await verifyCertificateProof(await proofFrom(leaf, { chain: [issuing.cert.toString("base64"), policy.cert.toString("base64")] }))).kind).toBe("moica");
		expect((await verifyCertificateProof(await proofFrom(leaf, { intermediatesPem: `${policy.pem}\n${issuing.pem}` }))).kind).toBe("moica");
	});

	it("trusts an issuing CA configured as the anchor on its own, without its root", async () => {
		const issuing = await makeIntermediateCa(ca, "MOICA Test Issuing CA");
		const leaf = await issueCertificate(issuing, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		expect((await verifyCertificateProof(await proofFrom(leaf, { trustedRootsPem: issuing.pem }))).kind).toBe("moica");
	});

	it("refuses a chain through a CA that is not allowed that many CAs below it (pathLenConstraint 0)", async () => {
		const policy = await makeIntermediateCa(ca, "Test Policy CA", 0);
		const issuing = await makeIntermediateCa(policy, "Test Issuing CA");
		const leaf = await issueCertificate(issuing, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });

		const proof = await proofFrom(leaf, { chain: [issuing.cert.toString("base64"), policy.cert.toString("base64")] });
		expect((await refusal(verifyCertificateProof(proof))).message).toBe("憑證非由受信任之憑證機構簽發。");
	});

	it("refuses a chain through a passed certificate that is not a CA, or through an expired CA", async () => {
		const notCa = await issueCertificate(ca, { name: "Not A CA" });
		const fakeIssuer: TestCa = { cert: notCa.cert, pem: notCa.cert.toString("pem"), keys: { privateKey: notCa.privateKey, publicKey: await notCa.cert.publicKey.export() } };
		const leaf = await issueCertificate(fakeIssuer, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });
		expect((await refusal(verifyCertificateProof(await proofFrom(leaf, { chain: [notCa.certificateDer] })))).message).toBe("憑證非由受信任之憑證機構簽發。");

		const expired = await makeIntermediateCa(ca, "Expired Issuing CA", undefined, { notBefore: Date.now() - 800 * DAY_MS, notAfter: Date.now() - DAY_MS });
		const late = await issueCertificate(expired, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4) });
		expect((await refusal(verifyCertificateProof(await proofFrom(late, { chain: [expired.cert.toString("base64")] })))).message).toBe("憑證非由受信任之憑證機構簽發。");
	});

	it("refuses a passed chain entry that is not a certificate", async () => {
		expect((await refusal(verifyCertificateProof(await proofFrom(moica, { chain: [btoa("not a certificate")] })))).message).toContain("無法讀取憑證內容");
	});

	it("refuses a certificate whose key may not sign", async () => {
		const encryptOnly = await issueCertificate(ca, { name: PERSON.name, idLast4: PERSON.idNo.slice(-4), keyUsage: KeyUsageFlags.keyEncipherment });

		expect((await refusal(verifyCertificateProof(await proofFrom(encryptOnly)))).message).toContain("不可用於數位簽章");
	});

	it("refuses a certificate of someone else: another last 4 of the ID", async () => {
		const otherIdNo = freshIdNo("F", "2");
		const other = await issueCertificate(ca, { name: PERSON.name, idLast4: otherIdNo.slice(-4) === PERSON.idNo.slice(-4) ? "0000" : otherIdNo.slice(-4) });
		const result = await verifyCertificateProof(await proofFrom(other));

		expect((await refusal(() => matchMoicaPerson(result, PERSON))).message).toBe("憑證與身分證號不符。");
	});

	it("refuses a certificate whose name is not the person's", async () => {
		const result = await verifyCertificateProof(await proofFrom(moica));

		expect((await refusal(() => matchMoicaPerson(result, { ...PERSON, name: "王小明" }))).message).toContain("姓名");
	});

	it("refuses a tampered signature", async () => {
		const proof = await proofFrom(moica);

		expect((await refusal(verifyCertificateProof({ ...proof, signature: tamper(proof.signature) }))).message).toContain("簽章驗證失敗");
	});

	it("refuses a signature made for another site's page", async () => {
		const proof = await proofFrom(moica, { signedOrigin: "https://phishing.example" });

		expect((await refusal(verifyCertificateProof(proof))).message).toContain("簽章驗證失敗");
	});

	it("refuses a signature over another challenge", async () => {
		const proof = await proofFrom(moica);

		expect((await refusal(verifyCertificateProof({ ...proof, challenge: crypto.randomUUID() }))).message).toContain("簽章驗證失敗");
	});

	it("refuses a certificate that names no holder, and bytes that are no certificate", async () => {
		const plain = await issueCertificate(ca, { name: PERSON.name });

		expect((await refusal(verifyCertificateProof(await proofFrom(plain)))).message).toBe("此憑證不是自然人憑證或工商憑證。");
		expect((await refusal(verifyCertificateProof({ ...(await proofFrom(moica)), certificateDer: btoa("not a certificate") }))).message).toContain("無法讀取憑證內容");
	});
});

describe("工商憑證 (MOEACA) proof", () => {
	it("maps the certificate's 統一編號 to the insured unit", async () => {
		const ban = String(10_000_000 + Math.floor(Math.random() * 89_999_999));
		const unit = await makeUnit(db, { name: "測試工商股份有限公司", ban });
		const moeaca = await issueCertificate(ca, { name: unit.name, ban });
		const result = await verifyCertificateProof(await proofFrom(moeaca));

		expect(result).toMatchObject({ kind: "moeaca", name: unit.name, ban });
		expect(result.idLast4).toBeUndefined();
		expect((await unitForMoeaca(db, result)).map((u) => u.code)).toEqual([unit.code]);
	});

	it("refuses a 統一編號 no insured unit has", async () => {
		const moeaca = await issueCertificate(ca, { name: "無此公司", ban: "00000000" });
		const result = await verifyCertificateProof(await proofFrom(moeaca));

		expect((await refusal(unitForMoeaca(db, result))).message).toBe("查無此統一編號之投保單位。");
	});

	it("does not take one kind of certificate for the other", async () => {
		const moeaca = await issueCertificate(ca, { name: "測試公司", ban: "12345675" });
		const business = await verifyCertificateProof(await proofFrom(moeaca));
		const personal = await verifyCertificateProof(await proofFrom(moica));

		expect((await refusal(() => matchMoicaPerson(business, PERSON))).message).toBe("此憑證不是自然人憑證。");
		expect((await refusal(unitForMoeaca(db, personal))).message).toBe("此憑證不是工商憑證。");
	});
});
