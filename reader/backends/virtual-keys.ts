// The virtual backend's key files in the keys directory (default .reader-keys/, git-ignored):
// - cards.json (scripts/seed.ts → readerKeyFile): per card number the card's basic data and P-256 key;
// - certs.json (optional, scripts/dev-pki.ts → ReaderCertificate[]): certificate cards (自然人憑證 /
//   工商憑證) with their key and PIN, and, like a real card, optionally the card's encryption certificate
//   (listed by the card, never offered for sign-in: its keyUsage has no digitalSignature), and the issuing
//   CA's certificate (chainDer), passed along with each signature. Fields this backend does not use (keyAlgorithm) are ignored: the
//   key's type is read from the key itself.
// Both are validated on load, so a stale or hand-edited file fails at start, not at the first card read.

import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import type { CertificateKind, NhiBasicData } from "../card.ts";

export type VirtualNhiCard = NhiBasicData & { status: string; key: KeyObject };
export type VirtualCertificate = {
	id: string;
	kind: CertificateKind;
	subject: string;
	der: Uint8Array;
	key: KeyObject;
	pin: string;
	/** managerIdNo: for a demo 工商憑證, the unit manager who signs in with it. */
	holder: { idNo?: string; ban?: string; name?: string; managerIdNo?: string };
	/** The card's encryption certificate (DER), when it has one. */
	encryptionDer?: Uint8Array;
	/** The CA certificates between the card's certificate and the root (DER, issuer first). */
	chain: Uint8Array[];
};

const ecPrivateJwk = z.object({ kty: z.literal("EC"), crv: z.literal("P-256"), x: z.string(), y: z.string(), d: z.string() });

const cardsFile = z.record(
	z.string(),
	z.object({
		cardNo: z.string().regex(/^\d{12}$/),
		name: z.string().min(1),
		idNo: z.string().regex(/^[A-Z][A-Z0-9]\d{8}$/),
		birthDateRoc: z.string().regex(/^\d{7}$/),
		sex: z.enum(["M", "F"]),
		issuedOnRoc: z.string().regex(/^\d{7}$/),
		status: z.string(),
		privateKey: ecPrivateJwk,
	}),
);

const certEntry = z
	.object({
		id: z.string().min(1).max(128),
		kind: z.enum(["moica", "moeaca"]),
		subject: z.string().optional(),
		certificateDer: z.base64(),
		privateKeyJwk: z.record(z.string(), z.unknown()).optional(),
		privateKeyPkcs8: z.base64().optional(),
		pin: z.string().min(1),
		holder: z
			.object({ idNo: z.string().optional(), ban: z.string().optional(), name: z.string().optional(), managerIdNo: z.string().optional() })
			.default({}),
		encryption: z.object({ certificateDer: z.base64() }).optional(),
		chainDer: z.array(z.base64()).max(4).default([]),
	})
	.refine((c) => (c.privateKeyJwk === undefined) !== (c.privateKeyPkcs8 === undefined), {
		message: "exactly one of privateKeyJwk and privateKeyPkcs8",
	});

/** An array of entries, `{ certificates: [...] }`, or entries keyed by id like cards.json. */
const certsFile = z.union([
	z.array(certEntry),
	z.object({ certificates: z.array(certEntry) }).transform((f) => f.certificates),
	z.record(z.string(), certEntry).transform((f) => Object.values(f)),
]);

async function readJson(file: string): Promise<unknown | undefined> {
	let text: string;
	try {
		text = await readFile(file, "utf8");
	} catch (err) {
		if (err instanceof Error && "code" in err && err.code === "ENOENT") return undefined;
		throw err;
	}
	return JSON.parse(text);
}

function invalid(file: string, error: z.ZodError): Error {
	return new Error(`${file} 格式不正確：\n${z.prettifyError(error)}`);
}

export async function loadNhiCards(keysDir: string): Promise<Map<string, VirtualNhiCard>> {
	const file = path.join(keysDir, "cards.json");
	const json = await readJson(file);
	if (json === undefined) throw new Error(`找不到 ${file}，請先執行 npm run seed 產生虛擬健保卡。`);
	const parsed = cardsFile.safeParse(json);
	if (!parsed.success) throw invalid(file, parsed.error);
	const cards = new Map<string, VirtualNhiCard>();
	for (const c of Object.values(parsed.data)) {
		cards.set(c.cardNo, {
			cardNo: c.cardNo,
			name: c.name,
			idNo: c.idNo,
			birthDate: c.birthDateRoc,
			sex: c.sex,
			issuedOn: c.issuedOnRoc,
			status: c.status,
			key: createPrivateKey({ key: c.privateKey, format: "jwk" }),
		});
	}
	return cards;
}

/** Certificate cards; none when certs.json does not exist (yet). */
export async function loadCertificates(keysDir: string): Promise<Map<string, VirtualCertificate>> {
	const file = path.join(keysDir, "certs.json");
	const json = await readJson(file);
	if (json === undefined) return new Map();
	const parsed = certsFile.safeParse(json);
	if (!parsed.success) throw invalid(file, parsed.error);
	const certs = new Map<string, VirtualCertificate>();
	for (const c of parsed.data) {
		const der = Buffer.from(c.certificateDer, "base64");
		const x509 = new X509Certificate(der);
		const key =
			c.privateKeyPkcs8 !== undefined
				? createPrivateKey({ key: Buffer.from(c.privateKeyPkcs8, "base64"), format: "der", type: "pkcs8" })
				: createPrivateKey({ key: c.privateKeyJwk ?? {}, format: "jwk" });
		if (!x509.checkPrivateKey(key)) throw new Error(`${file}: 憑證 ${c.id} 的私鑰與憑證不符。`);
		if (key.asymmetricKeyType !== "rsa" && key.asymmetricKeyType !== "ec") {
			throw new Error(`${file}: 憑證 ${c.id} 的金鑰類型 ${key.asymmetricKeyType ?? "?"} 不支援（僅支援 RSA、EC）。`);
		}
		certs.set(c.id, {
			id: c.id,
			kind: c.kind,
			subject: c.subject ?? x509.subject.split("\n").join(", "),
			der: new Uint8Array(der),
			key,
			pin: c.pin,
			holder: c.holder,
			...(c.encryption ? { encryptionDer: new Uint8Array(Buffer.from(c.encryption.certificateDer, "base64")) } : {}),
			chain: c.chainDer.map((ca) => new Uint8Array(Buffer.from(ca, "base64"))),
		});
	}
	return certs;
}
