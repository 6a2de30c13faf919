// The virtual backend (default, SPEC §8): the seed's NHI cards and the dev CA's certificate cards,
// one of which at a time is "in the reader". It signs through the same CardBackend interface as a real
// card, holds a signing and (from the dev PKI) an encryption certificate like a real one, and keeps a
// real card's PIN rule (pin-tries.ts): 3 wrong PINs in a row lock the card, until the helper restarts.

import { createHash, sign, timingSafeEqual } from "node:crypto";
import type { CardBackend, CardCertificate, CertificateSignature, NhiBasicData, ReaderStatus } from "../card.ts";
import { certificateFacts } from "../certificates.ts";
import { ReaderError } from "../errors.ts";
import { PinTries } from "../pin-tries.ts";
import { loadCertificates, loadNhiCards, type VirtualCertificate, type VirtualNhiCard } from "./virtual-keys.ts";

/** The id of a virtual card's encryption certificate. */
const ENCRYPTION_ID_SUFFIX = ".encryption";

export type InsertedCard = { kind: "nhi"; card: VirtualNhiCard } | { kind: "certificate"; cert: VirtualCertificate };

const NEEDS_NHI_CARD = "插入的是憑證卡，請改插入健保卡。";
const NEEDS_CERTIFICATE_CARD = "插入的是健保卡，請改插入自然人憑證或工商憑證。";

function samePin(a: string, b: string): boolean {
	// Hashing first gives equal lengths, so the comparison time says nothing about the PIN.
	return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

function basicData(card: VirtualNhiCard): NhiBasicData {
	return { cardNo: card.cardNo, name: card.name, idNo: card.idNo, birthDate: card.birthDate, sex: card.sex, issuedOn: card.issuedOn };
}

export class VirtualBackend implements CardBackend {
	readonly name = "virtual";
	readonly #cards: ReadonlyMap<string, VirtualNhiCard>;
	readonly #certs: ReadonlyMap<string, VirtualCertificate>;
	readonly #pins = new PinTries();
	#inserted: InsertedCard | null = null;

	constructor(cards: ReadonlyMap<string, VirtualNhiCard>, certs: ReadonlyMap<string, VirtualCertificate>) {
		this.#cards = cards;
		this.#certs = certs;
	}

	static async load(keysDir: string): Promise<VirtualBackend> {
		return new VirtualBackend(await loadNhiCards(keysDir), await loadCertificates(keysDir));
	}

	// --- the card interface -------------------------------------------------------------------------

	async status(): Promise<ReaderStatus> {
		const inserted = this.#inserted;
		if (inserted === null) return { reader: true, card: null, cards: [] };
		const card = { kind: inserted.kind === "nhi" ? "nhi" : inserted.cert.kind } as const;
		return { reader: true, card, cards: [{ reader: "虛擬讀卡機", ...card }] };
	}

	async readNhiCard(): Promise<NhiBasicData> {
		return basicData(this.#nhiCard());
	}

	async signNhiChallenge(payload: Uint8Array): Promise<Uint8Array> {
		return new Uint8Array(sign("sha256", payload, { key: this.#nhiCard().key, dsaEncoding: "ieee-p1363" }));
	}

	/** The inserted card's signing certificate, then its encryption one when it has one. */
	async listCertificates(): Promise<CardCertificate[]> {
		const cert = this.#certificateCard();
		const certs: CardCertificate[] = [{ id: cert.id, kind: cert.kind, subject: cert.subject, certificate: cert.der, canSign: certificateFacts(cert.der).canSign }];
		if (cert.encryptionDer) {
			const der = cert.encryptionDer;
			certs.push({ id: `${cert.id}${ENCRYPTION_ID_SUFFIX}`, kind: cert.kind, subject: cert.subject, certificate: der, canSign: certificateFacts(der).canSign });
		}
		return certs;
	}

	async signWithCertificate(id: string, pin: string, payload: Uint8Array): Promise<CertificateSignature> {
		const cert = this.#certificateCard();
		// The encryption certificate's key is not kept: the server never asks it to sign (certificates.ts).
		if (cert.id !== id) throw new ReaderError("CARD_NOT_FOUND", "插入的卡片上沒有指定的憑證。");
		this.#pins.assertUnlocked(cert.id);
		if (!samePin(pin, cert.pin)) throw this.#pins.wrong(cert.id);
		this.#pins.right(cert.id);
		const signature =
			cert.key.asymmetricKeyType === "ec"
				? sign("sha256", payload, { key: cert.key, dsaEncoding: "ieee-p1363" })
				: sign("sha256", payload, cert.key);
		return { certificate: cert.der, signature: new Uint8Array(signature), chain: cert.chain };
	}

	async close(): Promise<void> {}

	// --- the virtual reader's slot, driven by the /virtual page and tests ------------------------------

	get inserted(): InsertedCard | null {
		return this.#inserted;
	}

	insertNhiCard(cardNo: string): InsertedCard {
		const card = this.#cards.get(cardNo);
		if (!card) throw new ReaderError("CARD_NOT_FOUND", "找不到此卡號的虛擬健保卡。");
		this.#inserted = { kind: "nhi", card };
		return this.#inserted;
	}

	insertCertificateCard(id: string): InsertedCard {
		const cert = this.#certs.get(id);
		if (!cert) throw new ReaderError("CARD_NOT_FOUND", "找不到此虛擬憑證卡。");
		this.#inserted = { kind: "certificate", cert };
		return this.#inserted;
	}

	remove(): void {
		this.#inserted = null;
	}

	isLocked(certId: string): boolean {
		return this.#pins.isLocked(certId);
	}

	/**
	 * NHI cards whose name contains `query`, or whose ID or card number starts with it; a masked ID
	 * ("A12345****") matches by its shown part. An empty query matches every card.
	 */
	searchNhiCards(query: string, limit: number): { total: number; cards: VirtualNhiCard[] } {
		const q = query.trim();
		const prefix = q.replace(/\*+$/, "").toUpperCase();
		const cards: VirtualNhiCard[] = [];
		let total = 0;
		for (const card of this.#cards.values()) {
			const hit = q === "" || card.name.includes(q) || (prefix !== "" && (card.idNo.startsWith(prefix) || card.cardNo.startsWith(prefix)));
			if (!hit) continue;
			total++;
			if (cards.length < limit) cards.push(card);
		}
		return { total, cards };
	}

	certificates(limit: number): VirtualCertificate[] {
		return [...this.#certs.values()].slice(0, limit);
	}

	#nhiCard(): VirtualNhiCard {
		const inserted = this.#inserted;
		if (inserted === null) throw new ReaderError("NO_CARD", "讀卡機中沒有卡片，請插入健保卡。");
		if (inserted.kind !== "nhi") throw new ReaderError("WRONG_CARD_KIND", NEEDS_NHI_CARD);
		return inserted.card;
	}

	#certificateCard(): VirtualCertificate {
		const inserted = this.#inserted;
		if (inserted === null) throw new ReaderError("NO_CARD", "讀卡機中沒有卡片，請插入自然人憑證或工商憑證。");
		if (inserted.kind !== "certificate") throw new ReaderError("WRONG_CARD_KIND", NEEDS_CERTIFICATE_CARD);
		return inserted.cert;
	}
}
