// 電子郵件 (SPEC §2): a deliverable-looking address, an RFC 5322 subset that mail providers accept:
// a dot-atom local part (no quoted strings, no comments, ASCII only) and a DNS host name with a real
// top-level domain. Stored with the domain lower-cased; the local part is kept as typed because it
// is case-sensitive in principle (RFC 5321 §2.4).

import { normalizeCell } from "./normalize.ts";

// RFC 5321 §4.5.3.1: 64 octets of local part; 254 = the 256-octet path minus its angle brackets.
const MAX_LOCAL_LENGTH = 64;
const MAX_ADDRESS_LENGTH = 254;
const MAX_LABEL_LENGTH = 63;

// RFC 5322 §3.2.3 atext, dot-separated: no leading, trailing or doubled dot.
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+)*$/;
// RFC 1123 host label: letters, digits, hyphens, not starting or ending with a hyphen.
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
// A top-level domain is alphabetic (com, tw) or an internationalised one in punycode (xn--kpry57d).
const TLD = /^(?:[a-z]{2,}|xn--[a-z0-9-]+[a-z0-9])$/;

/** The address with its domain lower-cased, or null when it does not look deliverable. */
export function normalizeEmail(raw: string): string | null {
	const address = normalizeCell(raw);
	if (address.length > MAX_ADDRESS_LENGTH) return null;
	const at = address.lastIndexOf("@");
	if (at < 1) return null;
	const local = address.slice(0, at);
	const domain = address.slice(at + 1).toLowerCase();
	if (local.length > MAX_LOCAL_LENGTH || !DOT_ATOM.test(local)) return null;
	const labels = domain.split(".");
	if (labels.length < 2) return null;
	for (const label of labels) {
		if (label.length > MAX_LABEL_LENGTH || !LABEL.test(label)) return null;
	}
	if (!TLD.test(labels[labels.length - 1] ?? "")) return null;
	return `${local}@${domain}`;
}
