// Certificate-card proof (SPEC §7): 自然人憑證 (MOICA) for people, 工商憑證 (MOEACA) for units. The
// reader helper returns the card's certificate (base64 DER), optionally the CA certificates above it,
// and its signature over the challenge text after the PIN. Here: @peculiar/x509's X509ChainBuilder
// builds the chain from the leaf through the intermediates the sign-in passed and those configured, up
// to one of the trust anchors in TRUSTED_ROOTS_PEM (the MOICA / MOEACA issuing CAs, or GRCA when the
// intermediates come along; in local development the seed's dev CA); every certificate on it is within
// its validity and every one above the leaf is a CA that may sign certificates. The leaf may sign
// (keyUsage digitalSignature), names its holder in Subject Directory Attributes, and its key made the
// signature. Revocation (CRL / OCSP) is not checked: the portal has no route to the CAs' responders yet.
import "reflect-metadata"; // @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API
import { BasicConstraintsExtension, KeyUsageFlags, KeyUsagesExtension, PemConverter, X509Certificate, X509ChainBuilder } from "@peculiar/x509";
import { eq } from "drizzle-orm";
import { units } from "../../schema/d1.ts";
import {
	certificateSignedText,
	decodeBase64,
	decodeSubjectDirectoryAttributes,
	MOEACA_BAN_OID,
	MOICA_ID_LAST4_OID,
	SUBJECT_DIRECTORY_ATTRIBUTES_OID,
	utf8,
} from "../domain/proof-payloads.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";

export type CertificateKind = "moica" | "moeaca";

export type CertificateProofInput = {
	/** The card's certificate, base64 DER, as the helper returns it. */
	certificateDer: string;
	/** Signature over certificateSignedText(...), base64url: PKCS#1 v1.5 (RSA) or IEEE P1363 r‖s (ECDSA P-256). */
	signature: string;
	/** The portal page's origin as the server knows it. */
	origin: string;
	/** The challenge text, already spent (spendChallenge) by the caller. */
	challenge: string;
	/** One or more PEM certificates: the trust anchors. */
	trustedRootsPem: string;
	/** Optional PEM intermediates a leaf may be issued by (configured). */
	intermediatesPem?: string;
	/** CA certificates the sign-in passed along with the leaf (base64 DER), candidates for the chain only. */
	chain?: readonly string[];
	now?: number;
};

export type CertificateProofResult = {
	kind: CertificateKind;
	/** Subject CN (the holder's name, or the unit's name on a 工商憑證). */
	name: string;
	/** 身分證號末四碼 (MOICA only). */
	idLast4?: string;
	/** 統一編號 (MOEACA only). */
	ban?: string;
	/** Issuer DN and serial number (upper-case hex): what a binding names the certificate by. */
	issuer: string;
	serial: string;
	/** SHA-256 (hex) of the certificate's SubjectPublicKeyInfo. */
	publicKeySha256: string;
	/** Epoch milliseconds. */
	notAfter: number;
};

const UNREADABLE = "無法讀取憑證內容，請確認讀卡機與憑證卡後重新讀取。";
/** RSA moduli below this are refused; MOICA has issued 2048-bit keys since 2008. */
const MIN_RSA_BITS = 2048;

function refuse(message: string): never {
	throw new AppError("FORBIDDEN", message);
}

export async function verifyCertificateProof(input: CertificateProofInput): Promise<CertificateProofResult> {
	const now = input.now ?? Date.now();
	const roots = parsePemCertificates(input.trustedRootsPem);
	if (roots.length === 0) throw new AppError("INTERNAL", undefined, { reason: "no trusted roots configured" });
	const intermediates = [...(input.intermediatesPem ? parsePemCertificates(input.intermediatesPem) : []), ...passedCertificates(input.chain ?? [])];

	const der = decodeBase64(input.certificateDer);
	let leaf: X509Certificate;
	try {
		if (!der || der.length === 0) throw new RangeError("not base64");
		leaf = new X509Certificate(der);
	} catch {
		refuse(UNREADABLE);
	}

	if (!(await chainsToTrustedRoot(leaf, roots, intermediates, now))) refuse("憑證非由受信任之憑證機構簽發。");
	if (now < leaf.notBefore.getTime()) refuse("憑證尚未生效。");
	if (now > leaf.notAfter.getTime()) refuse("憑證已過期，請使用有效期限內的憑證。");
	const keyUsage = leaf.getExtension(KeyUsagesExtension);
	if (!keyUsage || (keyUsage.usages & KeyUsageFlags.digitalSignature) === 0) refuse("此憑證不可用於數位簽章，請使用簽章用憑證。");

	const holder = readHolder(leaf);
	await verifySignature(leaf, input.signature, utf8(certificateSignedText({ origin: input.origin, challenge: input.challenge })));
	const publicKeySha256 = [...new Uint8Array(await crypto.subtle.digest("SHA-256", leaf.publicKey.rawData))].map((b) => b.toString(16).padStart(2, "0")).join("");
	return { ...holder, issuer: leaf.issuer, serial: leaf.serialNumber.toUpperCase(), publicKeySha256, notAfter: leaf.notAfter.getTime() };
}

/**
 * A 自然人憑證 can be the person's only if both its last-4-of-ID and its name match them. Necessary, never
 * sufficient: many people share a name and the last 4; certificate-bindings.ts says whose it is.
 */
export function matchMoicaPerson(result: CertificateProofResult, person: { idNo: string; name: string }): void {
	if (result.kind !== "moica") refuse("此憑證不是自然人憑證。");
	if (result.idLast4 !== person.idNo.trim().toUpperCase().slice(-4)) refuse("憑證與身分證號不符。");
	if (comparableName(result.name) !== comparableName(person.name)) refuse("憑證姓名與身分證號登記之姓名不符。");
}

/**
 * The insured units (投保單位) registered under the 工商憑證's 統一編號. Usually one; a company with
 * several insured units under one 統一編號 gets all of them, ordered by unit code.
 */
export async function unitForMoeaca(db: Db, result: CertificateProofResult): Promise<(typeof units.$inferSelect)[]> {
	if (result.kind !== "moeaca" || !result.ban) refuse("此憑證不是工商憑證。");
	const found = await db.select().from(units).where(eq(units.ban, result.ban)).orderBy(units.code).all();
	if (found.length === 0) refuse("查無此統一編號之投保單位。");
	return found;
}

function parsePemCertificates(pem: string): X509Certificate[] {
	try {
		return PemConverter.decode(pem).map((raw) => new X509Certificate(raw));
	} catch {
		throw new AppError("INTERNAL", undefined, { reason: "a configured certificate is not valid PEM" });
	}
}

/** At most this many CA certificates may come with a sign-in (MOICA: issuing CA, GRCA; a spare). */
const MAX_PASSED_CERTIFICATES = 4;

/** The CA certificates a sign-in passed; one that is not a certificate makes the proof unreadable. */
function passedCertificates(chain: readonly string[]): X509Certificate[] {
	if (chain.length > MAX_PASSED_CERTIFICATES) refuse(UNREADABLE);
	return chain.map((text) => {
		try {
			const der = decodeBase64(text);
			if (!der || der.length === 0) throw new RangeError("not base64");
			return new X509Certificate(der);
		} catch {
			refuse(UNREADABLE);
		}
	});
}

/**
 * The leaf's chain, built by X509ChainBuilder (issuer name, key identifiers and signatures) from the
 * anchors and intermediates, cut at the first trust anchor it reaches: every CA on it within its
 * validity and allowed to sign certificates, the intermediates' path lengths respected.
 */
async function chainsToTrustedRoot(leaf: X509Certificate, roots: X509Certificate[], intermediates: X509Certificate[], now: number): Promise<boolean> {
	let chain: X509Certificate[];
	try {
		chain = [...(await new X509ChainBuilder({ certificates: [...roots, ...intermediates] }).build(leaf))];
	} catch {
		return false; // a circular chain
	}
	const anchorAt = chain.findIndex((cert, i) => i > 0 && roots.some((root) => root.equal(cert)));
	if (anchorAt < 0) return false;
	const cas = chain.slice(1, anchorAt + 1);
	// The leaf's own validity is checked by the caller, with its own message. The anchor is trusted as
	// configured: its pathLenConstraint is not applied (RFC 5280 §6.1: it is not part of the path).
	return cas.every((ca, below) => within(ca, now) && isCa(ca) && (below === cas.length - 1 || pathLenAllows(ca, below)));
}

/** A CA `below` CA certificates above the leaf may have at most its pathLenConstraint of them (RFC 5280 §4.2.1.9). */
function pathLenAllows(ca: X509Certificate, below: number): boolean {
	const pathLength = ca.getExtension(BasicConstraintsExtension)?.pathLength;
	return pathLength === undefined || below <= pathLength;
}

function within(cert: X509Certificate, now: number): boolean {
	return cert.notBefore.getTime() <= now && now <= cert.notAfter.getTime();
}

function isCa(cert: X509Certificate): boolean {
	const keyUsage = cert.getExtension(KeyUsagesExtension);
	return cert.getExtension(BasicConstraintsExtension)?.ca === true && (!keyUsage || (keyUsage.usages & KeyUsageFlags.keyCertSign) !== 0);
}

function readHolder(leaf: X509Certificate): Pick<CertificateProofResult, "kind" | "name" | "idLast4" | "ban"> {
	const name = leaf.subjectName.getField("CN")[0] ?? leaf.subjectName.getField("O")[0];
	const extension = leaf.getExtension(SUBJECT_DIRECTORY_ATTRIBUTES_OID);
	if (!name || !extension) refuse("此憑證不是自然人憑證或工商憑證。");
	let attributes: Map<string, string[]>;
	try {
		attributes = decodeSubjectDirectoryAttributes(new Uint8Array(extension.value));
	} catch {
		refuse(UNREADABLE);
	}
	const ban = attributes.get(MOEACA_BAN_OID)?.[0]?.trim();
	const idLast4 = attributes.get(MOICA_ID_LAST4_OID)?.[0]?.trim().toUpperCase();
	if (ban !== undefined && idLast4 === undefined && /^\d{8}$/.test(ban)) return { kind: "moeaca", name, ban };
	if (idLast4 !== undefined && ban === undefined && /^\d{4}$/.test(idLast4)) return { kind: "moica", name, idLast4 };
	refuse("此憑證不是自然人憑證或工商憑證。");
}

async function verifySignature(leaf: X509Certificate, signatureText: string, data: Uint8Array<ArrayBuffer>): Promise<void> {
	const signature = decodeBase64(signatureText);
	if (!signature || signature.length === 0) refuse("簽章驗證失敗，請重新讀取憑證。");
	const algorithm: { name: string; modulusLength?: unknown; namedCurve?: unknown } = leaf.publicKey.algorithm;
	let genuine = false;
	if (algorithm.name === "RSASSA-PKCS1-v1_5") {
		if (typeof algorithm.modulusLength !== "number" || algorithm.modulusLength < MIN_RSA_BITS) refuse("憑證金鑰長度不足，無法使用。");
		const key = await leaf.publicKey.export({ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, ["verify"]);
		genuine = await crypto.subtle.verify({ name: "RSASSA-PKCS1-v1_5" }, key, signature, data);
	} else if (algorithm.name === "ECDSA" && algorithm.namedCurve === "P-256") {
		const key = await leaf.publicKey.export({ name: "ECDSA", namedCurve: "P-256" }, ["verify"]);
		genuine = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, data);
	} else {
		refuse("不支援此憑證的金鑰類型。");
	}
	if (!genuine) refuse("簽章驗證失敗，請重新讀取憑證。");
}

/** Names compare without spacing or width differences (全形/半形) and, for Latin names, case. */
function comparableName(name: string): string {
	return name.normalize("NFKC").replace(/\s+/g, "").toUpperCase();
}
