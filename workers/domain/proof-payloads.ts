// What a card or certificate proof signs and carries (SPEC §6, §7, §8). The reader helper builds the
// same texts byte for byte; change them only together with reader/. Pure functions, no I/O.

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
// number, 工商憑證 (MOEACA) the 統一編號. Each attribute is `SEQUENCE { OID, SET { one string } }`;
// public verifiers read the value as a single short string right after the SET header. Its string
// type is not settled by any source at hand, so we write PrintableString (digits only fit it) and
// read any ASN.1 character string.

export const SUBJECT_DIRECTORY_ATTRIBUTES_OID = "2.5.29.9";
/** 身分證統一編號末四碼 in a 自然人憑證. */
export const MOICA_ID_LAST4_OID = "2.16.886.1.100.2.51";
/** 統一編號 (uniformOrganizationID) in a 工商憑證. */
export const MOEACA_BAN_OID = "2.16.886.1.100.2.101";

export type DirectoryAttribute = { oid: string; value: string };

const TAG_SEQUENCE = 0x30;
const TAG_SET = 0x31;
const TAG_OID = 0x06;
const TAG_PRINTABLE_STRING = 0x13;

/** DER of `SEQUENCE OF Attribute`, each attribute with one PrintableString value. */
export function encodeSubjectDirectoryAttributes(attributes: readonly DirectoryAttribute[]): Uint8Array<ArrayBuffer> {
	return tlv(
		TAG_SEQUENCE,
		...attributes.map((a) => {
			if (!/^[A-Za-z0-9 '()+,\-./:=?]+$/.test(a.value)) throw new RangeError(`not a PrintableString: ${a.value}`);
			return tlv(TAG_SEQUENCE, tlv(TAG_OID, encodeOid(a.oid)), tlv(TAG_SET, tlv(TAG_PRINTABLE_STRING, utf8(a.value))));
		}),
	);
}

/** Attribute OID → its string values. Throws a RangeError on anything that is not well-formed DER. */
export function decodeSubjectDirectoryAttributes(der: Uint8Array): Map<string, string[]> {
	const out = new Map<string, string[]>();
	const outer = readTlv(der, 0);
	if (outer.tag !== TAG_SEQUENCE || outer.end !== der.length) throw new RangeError("SubjectDirectoryAttributes is not one SEQUENCE");
	for (const attribute of children(outer.value)) {
		if (attribute.tag !== TAG_SEQUENCE) throw new RangeError("Attribute is not a SEQUENCE");
		const [type, values, ...rest] = children(attribute.value);
		if (!type || type.tag !== TAG_OID || !values || values.tag !== TAG_SET || rest.length > 0) throw new RangeError("malformed Attribute");
		const strings = children(values.value).flatMap((v) => {
			const s = decodeString(v);
			return s === null ? [] : [s];
		});
		const oid = decodeOid(type.value);
		out.set(oid, [...(out.get(oid) ?? []), ...strings]);
	}
	return out;
}

type Tlv = { tag: number; value: Uint8Array; end: number };

function readTlv(der: Uint8Array, at: number): Tlv {
	const tag = der[at];
	const first = der[at + 1];
	if (tag === undefined || first === undefined) throw new RangeError("truncated DER");
	if ((tag & 0x1f) === 0x1f) throw new RangeError("high tag numbers are not used here");
	let length = first;
	let start = at + 2;
	if (first & 0x80) {
		const n = first & 0x7f;
		if (n === 0 || n > 3) throw new RangeError("unsupported DER length");
		length = 0;
		for (let i = 0; i < n; i++) {
			const b = der[start + i];
			if (b === undefined) throw new RangeError("truncated DER");
			length = length * 256 + b;
		}
		start += n;
	}
	const end = start + length;
	if (end > der.length) throw new RangeError("truncated DER");
	return { tag, value: der.subarray(start, end), end };
}

function children(content: Uint8Array): Tlv[] {
	const out: Tlv[] = [];
	for (let at = 0; at < content.length; ) {
		const item = readTlv(content, at);
		out.push(item);
		at = item.end;
	}
	return out;
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
	const length = parts.reduce((n, p) => n + p.length, 0);
	const head =
		length < 0x80 ? [tag, length] : length < 0x100 ? [tag, 0x81, length] : length < 0x10000 ? [tag, 0x82, length >> 8, length & 0xff] : null;
	if (!head) throw new RangeError("DER value too long");
	const out = new Uint8Array(head.length + length);
	out.set(head, 0);
	let at = head.length;
	for (const p of parts) {
		out.set(p, at);
		at += p.length;
	}
	return out;
}

function encodeOid(oid: string): Uint8Array {
	const arcs = oid.split(".").map(Number);
	const [a, b, ...rest] = arcs;
	if (a === undefined || b === undefined || arcs.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new RangeError(`bad OID ${oid}`);
	const bytes: number[] = [];
	for (const arc of [a * 40 + b, ...rest]) {
		const chunk = [arc & 0x7f];
		for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
		bytes.push(...chunk);
	}
	return new Uint8Array(bytes);
}

function decodeOid(bytes: Uint8Array): string {
	const ids: number[] = [];
	let v = 0;
	for (const [i, b] of bytes.entries()) {
		v = v * 128 + (b & 0x7f);
		if (!Number.isSafeInteger(v)) throw new RangeError("OID arc too large");
		if ((b & 0x80) === 0) {
			ids.push(v);
			v = 0;
		} else if (i === bytes.length - 1) {
			throw new RangeError("truncated OID");
		}
	}
	const [first, ...rest] = ids;
	if (first === undefined) throw new RangeError("empty OID");
	const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
	return [...head, ...rest].join(".");
}

/** The text of an ASN.1 character string, or null for a value of another type. */
function decodeString(item: Tlv): string | null {
	switch (item.tag) {
		case 0x0c: // UTF8String
			return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(item.value);
		case 0x12: // NumericString
		case 0x13: // PrintableString
		case 0x16: // IA5String
		case 0x14: // TeletexString (only its ASCII subset appears in these attributes)
			return String.fromCharCode(...item.value);
		case 0x1e: {
			// BMPString: UTF-16BE
			if (item.value.length % 2 !== 0) throw new RangeError("odd BMPString");
			let s = "";
			for (let i = 0; i < item.value.length; i += 2) s += String.fromCharCode(((item.value[i] ?? 0) << 8) | (item.value[i + 1] ?? 0));
			return s;
		}
		default:
			return null;
	}
}
