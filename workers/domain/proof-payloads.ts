// What a card or certificate proof signs and carries (SPEC §6, §7, §8). The reader helper builds the
// same texts byte for byte; change them only together with reader/. Pure functions, no I/O.
import { AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { Attribute, DirectoryString, id_ce_subjectDirectoryAttributes, SubjectDirectoryAttributes } from "@peculiar/asn1-x509";

/**
 * The text an NHI card signs (ECDSA P-256 / SHA-256, IEEE P1363 r‖s, base64url). The origin is the
 * portal page's origin as the server knows it, never one the browser claims, so a signature obtained
 * by another site is worthless here.
 */
export function nhiCardSignedText(p: { origin: string; challenge: string; cardNo: string }): string {
	return `nhi-card-challenge\n${p.origin}\n${p.challenge}\n${p.cardNo}`;
}

/** The text a certificate card (自然人憑證 / 工商憑證) signs: RSASSA-PKCS1-v1_5 or ECDSA P-256, SHA-256. */
export function certificateSignedText(p: { origin: string; challenge: string }): string {
	return `certificate-challenge\n${p.origin}\n${p.challenge}`;
}

export function utf8(text: string): Uint8Array<ArrayBuffer> {
	return new Uint8Array(new TextEncoder().encode(text));
}

/**
 * Bytes of a base64url signature or a base64 certificate (either alphabet, padding optional);
 * null when the text is neither.
 */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
	const b64 = text.trim().replaceAll("-", "+").replaceAll("_", "/").replace(/=+$/, "");
	if (!/^[A-Za-z0-9+/]*$/.test(b64) || b64.length % 4 === 1) return null;
	const bin = atob(b64.padEnd(Math.ceil(b64.length / 4) * 4, "="));
	return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

// ---- Subject Directory Attributes (RFC 5280 §4.2.1.8, OID 2.5.29.9) ----
//
// Taiwan's GPKI certificates carry the holder's identifiers here rather than in the subject name
// (GPKI "Certificate and CRL Profiles" §1.3.6): 自然人憑證 (MOICA) the last 4 characters of the ID
// number, 工商憑證 (MOEACA) the 統一編號. Each attribute is `SEQUENCE { OID, SET { one string } }`,
// read and written with @peculiar/asn1-x509's SubjectDirectoryAttributes. The value's string type is
// not settled by any source at hand, so we write PrintableString (digits only fit it) and read any
// ASN.1 character string a CA might use.

export const SUBJECT_DIRECTORY_ATTRIBUTES_OID = id_ce_subjectDirectoryAttributes;
/** 身分證統一編號末四碼 in a 自然人憑證. */
export const MOICA_ID_LAST4_OID = "2.16.886.1.100.2.51";
/** 統一編號 (uniformOrganizationID) in a 工商憑證. */
export const MOEACA_BAN_OID = "2.16.886.1.100.2.101";

export type DirectoryAttribute = { oid: string; value: string };

/**
 * An attribute value as any character string: DirectoryString's choices plus IA5String and
 * NumericString. Declared with the schema decorators called as functions (no decorator syntax needed).
 */
class AttributeString {
	printableString?: string;
	utf8String?: string;
	bmpString?: string;
	teletexString?: string;
	universalString?: string;
	ia5String?: string;
	numericString?: string;

	toString(): string {
		return this.printableString ?? this.utf8String ?? this.bmpString ?? this.teletexString ?? this.universalString ?? this.ia5String ?? this.numericString ?? "";
	}
}
AsnType({ type: AsnTypeTypes.Choice })(AttributeString);
for (const [field, type] of [
	["printableString", AsnPropTypes.PrintableString],
	["utf8String", AsnPropTypes.Utf8String],
	["bmpString", AsnPropTypes.BmpString],
	["teletexString", AsnPropTypes.TeletexString],
	["universalString", AsnPropTypes.UniversalString],
	["ia5String", AsnPropTypes.IA5String],
	["numericString", AsnPropTypes.NumericString],
] as const) {
	AsnProp({ type })(AttributeString.prototype, field);
}

const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

/** DER of `SEQUENCE OF Attribute`, each attribute with one PrintableString value. */
export function encodeSubjectDirectoryAttributes(attributes: readonly DirectoryAttribute[]): Uint8Array<ArrayBuffer> {
	const sda = new SubjectDirectoryAttributes(
		attributes.map((a) => {
			if (!PRINTABLE.test(a.value)) throw new RangeError(`not a PrintableString: ${a.value}`);
			return new Attribute({ type: a.oid, values: [AsnConvert.serialize(new DirectoryString({ printableString: a.value }))] });
		}),
	);
	return new Uint8Array(AsnConvert.serialize(sda));
}

/** Attribute OID → its string values (values of other types are skipped). Throws on DER that is not SubjectDirectoryAttributes. */
export function decodeSubjectDirectoryAttributes(der: Uint8Array): Map<string, string[]> {
	const out = new Map<string, string[]>();
	for (const attribute of AsnConvert.parse(der, SubjectDirectoryAttributes)) {
		const strings = attribute.values.flatMap((value) => {
			try {
				return [AsnConvert.parse(value, AttributeString).toString()];
			} catch {
				return [];
			}
		});
		out.set(attribute.type, [...(out.get(attribute.type) ?? []), ...strings]);
	}
	return out;
}
