// The card interface every backend implements (SPEC §8). The HTTP server speaks only to this interface,
// so a virtual card and a card in a real reader go through exactly the same code path: the server builds
// the payload, the backend's card signs it.

/** nhi = 健保卡; moica = 自然人憑證; moeaca = 工商憑證; unknown = a card this backend cannot identify. */
export type CardKind = "nhi" | "moica" | "moeaca" | "unknown";
export type CertificateKind = "moica" | "moeaca";

export type ReaderStatus = {
	/** Whether a reader (or, for PKCS#11, a slot) is attached at all. */
	reader: boolean;
	/**
	 * The card the pages should expect: the kind every inserted card agrees on, "unknown" when they
	 * differ (the certificates list then tells each certificate's kind), null when no card is in.
	 */
	card: null | { kind: CardKind };
	/** Every inserted card (or PKCS#11 token), in reader / slot order. */
	cards: { reader: string; kind: CardKind }[];
};

/** The basic data (基本資料) in the card's 57-byte profile, dates in ROC form yyyMMdd. */
export type NhiBasicData = {
	cardNo: string;
	name: string;
	idNo: string;
	birthDate: string;
	sex: "M" | "F";
	issuedOn: string;
};

export type CardCertificate = {
	/** Stable within one insertion: the virtual cert's id, or `<token serial>:<hex CKA_ID>` on a PKCS#11 token. */
	id: string;
	kind: CertificateKind;
	subject: string;
	/** DER bytes. */
	certificate: Uint8Array;
	/** keyUsage digitalSignature: a signing certificate, not the card's encryption one (certificates.ts). */
	canSign: boolean;
};

/**
 * A certificate card's signature, its certificate, and the CA certificates above it that the card or the
 * helper holds (DER, issuer first; may be empty): the portal builds the chain from them up to a trusted root.
 */
export type CertificateSignature = { certificate: Uint8Array; signature: Uint8Array; chain: Uint8Array[] };

export interface CardBackend {
	readonly name: string;
	status(): Promise<ReaderStatus>;
	readNhiCard(): Promise<NhiBasicData>;
	/** ECDSA P-256 over SHA-256 of `payload`, IEEE P1363 (r‖s). */
	signNhiChallenge(payload: Uint8Array): Promise<Uint8Array>;
	/** Every MOICA / MOEACA certificate on every inserted card, signing and encryption ones alike. */
	listCertificates(): Promise<CardCertificate[]>;
	/**
	 * The card verifies `pin`, then signs `payload` with the certificate's key: RSASSA-PKCS1-v1_5 with
	 * SHA-256 for RSA keys, ECDSA with SHA-256 in IEEE P1363 form for EC keys.
	 */
	signWithCertificate(id: string, pin: string, payload: Uint8Array): Promise<CertificateSignature>;
	close(): Promise<void>;
}

/** The `card` of a status: the kind all inserted cards agree on, "unknown" when they differ. */
export function agreedCard(cards: readonly { kind: CardKind }[]): ReaderStatus["card"] {
	const kinds = new Set(cards.map((c) => c.kind));
	if (kinds.size === 0) return null;
	return { kind: kinds.size === 1 ? [...kinds][0] ?? "unknown" : "unknown" };
}
