// The ID-match port (issue 14.1): does this 自然人憑證 belong to the person with this full ID number?
// A certificate names only its holder's name and the last 4 characters of the ID, which many people
// share; the CA knows the rest. MOICA offers relying parties an online check of a certificate against a
// full ID; this port is where such a check plugs in, answering "match", "mismatch" or "unknown".
//
// Only the local implementation exists: in development and tests (ENVIRONMENT = "development") the
// development CA (scripts/dev-pki.ts) writes into each certificate it issues a private extension with
// a digest of the holder's full ID, and the local port compares the typed ID with it. No other CA
// writes that extension, so a real certificate is always "unknown" here. Elsewhere there is no port
// (MOICA's service cannot be reached from here and its interface is not public): a certificate is bound
// only by its holder's own NHI card sign-in (certificate-bindings.ts).
import "reflect-metadata"; // @peculiar/x509 → tsyringe
import { X509Certificate } from "@peculiar/x509";
import { decodeBase64 } from "../domain/proof-payloads.ts";
import { sha256Hex } from "../lib/crypto.ts";

export type IdMatchAnswer = "match" | "mismatch" | "unknown";

export type IdMatchPort = {
	/** Whether the certificate (base64 DER) was issued to the person with `idNo`. */
	matches(certificateDer: string, idNo: string): Promise<IdMatchAnswer>;
};

/**
 * The development CA's holder extension. Under 2.25 (the UUID arc, no registration needed); the arc is
 * the first 32 bits of a random UUID, not all 128, because the ASN.1 library drops arcs past 2^53.
 */
export const DEV_HOLDER_OID = "2.25.2271865483";

/** What the development CA writes for a holder: SHA-256 of a domain-separated text with the full ID. */
export async function devHolderDigest(idNo: string): Promise<string> {
	return sha256Hex(`nhi-dev-ca-holder\n${idNo.trim().toUpperCase()}`);
}

export const localIdMatch: IdMatchPort = {
	async matches(certificateDer, idNo) {
		const der = decodeBase64(certificateDer);
		if (!der) return "unknown";
		const extension = new X509Certificate(der).getExtension(DEV_HOLDER_OID);
		if (!extension) return "unknown";
		const written = new TextDecoder().decode(extension.value);
		return written === (await devHolderDigest(idNo)) ? "match" : "mismatch";
	},
};

/** The port in force: the local one in development and tests, none elsewhere. */
export function idMatchPort(env: { ENVIRONMENT?: string }): IdMatchPort | null {
	return env.ENVIRONMENT === "development" ? localIdMatch : null;
}
