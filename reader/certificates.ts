// What the helper tells about a certificate on a card, from the certificate itself (every backend, every
// slot and reader alike):
// - its kind: a 自然人憑證 (MOICA) carries the holder's ID last-4 (2.16.886.1.100.2.51) and a 工商憑證
//   (MOEACA) the company's 統一編號 (2.16.886.1.100.2.101) in Subject Directory Attributes (SPEC §7);
//   the issuer's name is the fallback for a certificate without them;
// - whether it may sign: a real 自然人憑證 holds a signing and an encryption certificate, and only one with
//   keyUsage digitalSignature is offered for sign-in (the portal refuses any other: 此憑證不可用於數位簽章).

import { AsnConvert } from "@peculiar/asn1-schema";
import { Certificate, id_ce_keyUsage, id_ce_subjectDirectoryAttributes, KeyUsage, KeyUsageFlags, SubjectDirectoryAttributes } from "@peculiar/asn1-x509";
import { X509Certificate } from "node:crypto";
import type { CertificateKind } from "./card.ts";

const MOICA_ID_LAST4_OID = "2.16.886.1.100.2.51";
const MOEACA_BAN_OID = "2.16.886.1.100.2.101";

export type CertificateFacts = { kind: CertificateKind | null; canSign: boolean; subject: string };

function extension(cert: Certificate, oid: string): ArrayBuffer | undefined {
	const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === oid);
	return ext?.extnValue.buffer;
}

function attributeTypes(cert: Certificate): Set<string> {
	const value = extension(cert, id_ce_subjectDirectoryAttributes);
	if (value === undefined) return new Set();
	return new Set(AsnConvert.parse(value, SubjectDirectoryAttributes).map((a) => a.type));
}

/** MOICA / MOEACA by the certificate's own attributes, else by the issuing CA's name; null for anything else. */
function kindOf(cert: Certificate, issuer: string): CertificateKind | null {
	const types = attributeTypes(cert);
	if (types.has(MOEACA_BAN_OID)) return "moeaca";
	if (types.has(MOICA_ID_LAST4_OID)) return "moica";
	if (/MOEACA|工商憑證/.test(issuer)) return "moeaca";
	if (/MOICA|內政部憑證/.test(issuer)) return "moica";
	return null;
}

/** keyUsage present with digitalSignature, as the portal's certificate check requires. */
function mayDigitallySign(cert: Certificate): boolean {
	const value = extension(cert, id_ce_keyUsage);
	if (value === undefined) return false;
	return (AsnConvert.parse(value, KeyUsage).toNumber() & KeyUsageFlags.digitalSignature) !== 0;
}

/** A CA's certificate (basicConstraints cA), such as the issuing CA a token may hold beside the card's own. */
export function isCaCertificate(der: Uint8Array): boolean {
	try {
		return new X509Certificate(der).ca;
	} catch {
		return false;
	}
}

/** Kind, signing use and subject of a DER certificate; a certificate that cannot be parsed has no kind. */
export function certificateFacts(der: Uint8Array): CertificateFacts {
	let cert: Certificate;
	let node: X509Certificate;
	try {
		cert = AsnConvert.parse(der, Certificate);
		node = new X509Certificate(der);
	} catch {
		return { kind: null, canSign: false, subject: "" };
	}
	return { kind: kindOf(cert, node.issuer), canSign: mayDigitallySign(cert), subject: node.subject.split("\n").join(", ") };
}
