// Development PKI (SPEC §7, §11): a local root CA standing in for GRCA, under it two issuing CAs standing
// in for MOICA and MOEACA, and the virtual certificate cards the reader helper offers: a 自然人憑證 (MOICA-like) for every demo staff member, a
// 工商憑證 (MOEACA-like) for every demo unit, plus one expired and one from an untrusted root to try the
// refusals. Like a real card, each holds two certificates with their keys: a signing one (keyUsage
// digitalSignature, the one sign-in uses) and an encryption one (keyEncipherment, dataEncipherment).
// Each card entry carries its issuing CA's certificate (chainDer), which the reader helper passes along
// with a signature, so the portal builds leaf → issuing CA → root. Writes .reader-keys/certs.json and
// .reader-keys/dev-root.pem (git-ignored) and puts the root alone into .dev.vars as TRUSTED_ROOTS_PEM,
// the portal's trust anchors: every sign-in in development then exercises the chain building.
//
// Unlike the card keys these are random: a new run makes a new root, so certs.json, dev-root.pem and
// .dev.vars are always written together. Demo only: the private keys sit unencrypted in certs.json.
//
//   node scripts/dev-pki.ts            make them when certs.json or dev-root.pem is missing
//   node scripts/dev-pki.ts --rebuild  make new ones in any case

import "reflect-metadata"; // @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API
import {
	AuthorityKeyIdentifierExtension,
	BasicConstraintsExtension,
	Extension,
	KeyUsageFlags,
	KeyUsagesExtension,
	SubjectKeyIdentifierExtension,
	type X509Certificate,
	X509CertificateGenerator,
} from "@peculiar/x509";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
	encodeSubjectDirectoryAttributes,
	MOEACA_BAN_OID,
	MOICA_ID_LAST4_OID,
	SUBJECT_DIRECTORY_ATTRIBUTES_OID,
} from "../workers/domain/proof-payloads.ts";
import { buildDemoData, type DemoDataSet } from "./demo-data.ts";
import { DEV_HOLDER_OID, devHolderDigest } from "../workers/services/id-match.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
export const CERTS_FILE = path.join(ROOT, ".reader-keys", "certs.json");
export const DEV_ROOT_FILE = path.join(ROOT, ".reader-keys", "dev-root.pem");
const DEV_VARS = path.join(ROOT, ".dev.vars");
const DEV_VARS_EXAMPLE = path.join(ROOT, ".dev.vars.example");

/** Every virtual certificate card opens with this PIN. */
export const DEMO_PIN = "123456";
const DAY_MS = 86_400_000;
// The root signs with P-256 (fast to make); the cards hold RSA-2048 keys like the real MOICA/MOEACA cards.
const ROOT_ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const CARD_ALGORITHM = { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" } as const;

/** One entry of .reader-keys/certs.json: a certificate card as the reader helper's virtual backend sees it. */
export type ReaderCertificate = {
	id: string;
	kind: "moica" | "moeaca";
	subject: string;
	/** base64 DER */
	certificateDer: string;
	/** base64 PKCS#8 */
	privateKeyPkcs8: string;
	keyAlgorithm: "RSASSA-PKCS1-v1_5" | "ECDSA";
	pin: string;
	/** managerIdNo: for a 工商憑證, the demo unit manager who signs in with it (shown on the helper's /virtual page). */
	holder: { idNo?: string; ban?: string; name: string; managerIdNo?: string };
	/** The card's second certificate, for encryption only: the helper never offers it for sign-in. */
	encryption: { certificateDer: string; privateKeyPkcs8: string };
	/** base64 DER of the CA certificates between the card's certificate and the root, issuer first. */
	chainDer: string[];
};

export type DevPki = { rootPem: string; certificates: ReaderCertificate[] };

type Issuer = { cert: X509Certificate; keys: CryptoKeyPair; chain: X509Certificate[] };
type CardPlan = Omit<ReaderCertificate, "subject" | "certificateDer" | "privateKeyPkcs8" | "keyAlgorithm" | "pin" | "encryption" | "chainDer"> & {
	issuer: Issuer;
	notBefore: number;
	notAfter: number;
};

/** The dev root and one certificate card per demo staff member and unit, plus the two for refusals. */
export async function createDevPki(data: Pick<DemoDataSet, "people" | "units" | "staff">, now = Date.now()): Promise<DevPki> {
	const root = await makeRoot("NHI Dev Root CA", now);
	const moica = await makeIssuingCa("NHI Dev MOICA CA", root, now);
	const moeaca = await makeIssuingCa("NHI Dev MOEACA CA", root, now);
	// Signs the "untrusted" card and is then forgotten: no configuration ever trusts it.
	const stranger = await makeRoot("NHI Dev Untrusted Root CA", now);
	const valid = { notBefore: now - DAY_MS, notAfter: now + 730 * DAY_MS };
	const names = new Map(data.people.map((p) => [p.idNo, p.name]));
	const plans: CardPlan[] = [];

	for (const s of data.staff) {
		const name = names.get(s.idNo);
		if (!name) throw new Error(`staff member of ${s.unitCode} is not a person of the data set`);
		plans.push({ id: `moica-${s.unitCode}-${s.email.split("@")[0]}`, kind: "moica", holder: { idNo: s.idNo, name }, issuer: moica, ...valid });
	}
	for (const u of data.units) {
		const manager = data.staff.find((s) => s.unitCode === u.code && s.role === "manager");
		const holder = { ban: u.ban, name: u.name, ...(manager ? { managerIdNo: manager.idNo } : {}) };
		plans.push({ id: `moeaca-${u.code}`, kind: "moeaca", holder, issuer: moeaca, ...valid });
	}
	const [first, second] = plans;
	if (!first || !second) throw new Error("the data set has no staff");
	plans.push({ ...first, id: "moica-expired", notBefore: now - 731 * DAY_MS, notAfter: now - DAY_MS });
	plans.push({ ...second, id: "moica-untrusted", issuer: stranger });

	const certificates = await Promise.all(plans.map(issueCard));
	return { rootPem: root.cert.toString("pem"), certificates };
}

/** Makes the dev PKI and writes certs.json, dev-root.pem and the TRUSTED_ROOTS_PEM line of .dev.vars. */
export async function writeDevPki(data: Pick<DemoDataSet, "people" | "units" | "staff">, now = Date.now()): Promise<DevPki> {
	const pki = await createDevPki(data, now);
	mkdirSync(path.dirname(CERTS_FILE), { recursive: true, mode: 0o700 });
	writeFileSync(CERTS_FILE, `${JSON.stringify(pki.certificates, null, "\t")}\n`, { mode: 0o600 });
	writeFileSync(DEV_ROOT_FILE, pki.rootPem.endsWith("\n") ? pki.rootPem : `${pki.rootPem}\n`);
	ensureTrustedRootsVar(pki.rootPem);
	return pki;
}

/**
 * Adds or replaces the TRUSTED_ROOTS_PEM line of .dev.vars (created from .dev.vars.example when
 * missing), leaving every other line as it is. Newlines are written as `\n` inside double quotes,
 * which wrangler's .dev.vars reader (dotenv) turns back into newlines.
 */
export function ensureTrustedRootsVar(rootPem: string, file = DEV_VARS): void {
	const line = `TRUSTED_ROOTS_PEM="${rootPem.trim().replaceAll("\r", "").replaceAll("\n", "\\n")}\\n"`;
	const before = existsSync(file) ? readFileSync(file, "utf8") : existsSync(DEV_VARS_EXAMPLE) ? readFileSync(DEV_VARS_EXAMPLE, "utf8") : "";
	const lines = before === "" ? [] : before.replace(/\n$/, "").split("\n");
	const at = lines.findIndex((l) => /^\s*(export\s+)?TRUSTED_ROOTS_PEM\s*=/.test(l));
	if (at >= 0) lines[at] = line;
	else lines.push(line);
	const after = `${lines.join("\n")}\n`;
	if (after !== before) writeFileSync(file, after, { mode: 0o600 });
}

async function makeRoot(name: string, now: number): Promise<Issuer> {
	const keys = await generate(ROOT_ALGORITHM);
	const cert = await X509CertificateGenerator.createSelfSigned({
		name: [{ C: ["TW"] }, { O: ["NHI Development"] }, { CN: [name] }],
		keys,
		notBefore: new Date(now - DAY_MS),
		notAfter: new Date(now + 3650 * DAY_MS),
		signingAlgorithm: ROOT_ALGORITHM,
		extensions: [
			new BasicConstraintsExtension(true, 1, true),
			new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
			await SubjectKeyIdentifierExtension.create(keys.publicKey),
		],
	});
	return { cert, keys, chain: [] };
}

/** An issuing CA under the root, as MOICA and MOEACA are under GRCA: it signs cards, not other CAs. */
async function makeIssuingCa(name: string, root: Issuer, now: number): Promise<Issuer> {
	const keys = await generate(ROOT_ALGORITHM);
	const cert = await X509CertificateGenerator.create({
		subject: [{ C: ["TW"] }, { O: ["NHI Development"] }, { CN: [name] }],
		issuer: root.cert.subjectName,
		publicKey: keys.publicKey,
		signingKey: root.keys.privateKey,
		notBefore: new Date(now - DAY_MS),
		notAfter: new Date(now + 3650 * DAY_MS),
		signingAlgorithm: ROOT_ALGORITHM,
		extensions: [
			new BasicConstraintsExtension(true, 0, true),
			new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
			await SubjectKeyIdentifierExtension.create(keys.publicKey),
			await AuthorityKeyIdentifierExtension.create(root.keys.publicKey),
		],
	});
	return { cert, keys, chain: [cert] };
}

async function issueCard(plan: CardPlan): Promise<ReaderCertificate> {
	const [signing, encryption] = await Promise.all([
		issueCertificate(plan, KeyUsageFlags.digitalSignature),
		issueCertificate(plan, KeyUsageFlags.keyEncipherment | KeyUsageFlags.dataEncipherment),
	]);
	return {
		id: plan.id,
		kind: plan.kind,
		subject: signing.cert.subject,
		certificateDer: signing.cert.toString("base64"),
		privateKeyPkcs8: signing.pkcs8,
		keyAlgorithm: "RSASSA-PKCS1-v1_5",
		pin: DEMO_PIN,
		holder: plan.holder,
		encryption: { certificateDer: encryption.cert.toString("base64"), privateKeyPkcs8: encryption.pkcs8 },
		chainDer: plan.issuer.chain.map((ca) => ca.toString("base64")),
	};
}

async function issueCertificate(plan: CardPlan, usages: KeyUsageFlags): Promise<{ cert: X509Certificate; pkcs8: string }> {
	const keys = await generate(CARD_ALGORITHM);
	const attribute =
		plan.kind === "moica"
			? { oid: MOICA_ID_LAST4_OID, value: (plan.holder.idNo ?? "").slice(-4) }
			: { oid: MOEACA_BAN_OID, value: plan.holder.ban ?? "" };
	const cert = await X509CertificateGenerator.create({
		subject: [{ C: ["TW"] }, { CN: [plan.holder.name] }],
		issuer: plan.issuer.cert.subjectName,
		publicKey: keys.publicKey,
		signingKey: plan.issuer.keys.privateKey,
		notBefore: new Date(plan.notBefore),
		notAfter: new Date(plan.notAfter),
		signingAlgorithm: ROOT_ALGORITHM,
		extensions: [
			new KeyUsagesExtension(usages, true),
			new Extension(SUBJECT_DIRECTORY_ATTRIBUTES_OID, false, encodeSubjectDirectoryAttributes([attribute])),
			// The local ID-match port (workers/services/id-match.ts) reads the holder's full ID from here,
			// standing in for MOICA's online check: a 自然人憑證 then binds at its first sign-in.
			...(plan.kind === "moica" && plan.holder.idNo ? [new Extension(DEV_HOLDER_OID, false, new TextEncoder().encode(await devHolderDigest(plan.holder.idNo)))] : []),
			await SubjectKeyIdentifierExtension.create(keys.publicKey),
			await AuthorityKeyIdentifierExtension.create(plan.issuer.keys.publicKey),
		],
	});
	const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
	return { cert, pkcs8: Buffer.from(pkcs8).toString("base64") };
}

/** certs.json made before the issuing CAs existed (cards signed by the root itself) is made anew. */
function hasIssuingCas(file: string): boolean {
	try {
		const entries: unknown = JSON.parse(readFileSync(file, "utf8"));
		return Array.isArray(entries) && entries.every((e) => typeof e === "object" && e !== null && "chainDer" in e);
	} catch {
		return false;
	}
}

async function generate(algorithm: EcKeyGenParams | RsaHashedKeyGenParams): Promise<CryptoKeyPair> {
	const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
	if (!("privateKey" in keys)) throw new Error("expected a key pair");
	return keys;
}

if (import.meta.main) {
	try {
		const rebuild = process.argv.includes("--rebuild");
		if (!rebuild && existsSync(CERTS_FILE) && existsSync(DEV_ROOT_FILE) && hasIssuingCas(CERTS_FILE)) {
			ensureTrustedRootsVar(readFileSync(DEV_ROOT_FILE, "utf8"));
		} else {
			const pki = await writeDevPki(buildDemoData());
			console.log(
				`Wrote ${pki.certificates.length} virtual certificate cards (PIN ${DEMO_PIN}) to ${path.relative(ROOT, CERTS_FILE)};` +
					` their root to ${path.relative(ROOT, DEV_ROOT_FILE)} and TRUSTED_ROOTS_PEM in .dev.vars.`,
			);
		}
	} catch (err) {
		console.error(`\nThe development PKI failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
		process.exitCode = 1;
	}
}
