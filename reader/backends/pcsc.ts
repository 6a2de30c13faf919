// Real NHI cards in PC/SC readers, through the optional native module `pcsclite` (pcsc-lite on Linux,
// WinSCard on Windows, PC/SC framework on macOS). It reads the card's basic data with the APDUs in
// nhi-apdu.ts. It cannot answer a challenge: a genuine NHI card signs only through NHI's secure access
// module (SAM) and card component, which this helper does not have, so signNhiChallenge says so.

import type { CardBackend, CardCertificate, CardKind, CertificateSignature, NhiBasicData, ReaderStatus } from "../card.ts";
import { ReaderError } from "../errors.ts";
import { readNhiBasicData, SELECT_NHI_APPLET, exchange, type Transmit } from "../nhi-apdu.ts";
import { importOptional } from "./optional-module.ts";

export const PCSCLITE_INSTALL = [
	"  Debian/Ubuntu： sudo apt-get install pcscd libpcsclite-dev build-essential python3",
	"  Windows／macOS：內建 PC/SC，另需 Node 原生模組編譯工具（node-gyp）",
	"  然後在專案目錄執行： npm install --no-save pcsclite",
].join("\n");

/** 256 data bytes + SW1 SW2: the most one short APDU response can hold. */
const MAX_RESPONSE_BYTES = 258;

type PcscStatus = { state: number; atr?: Buffer };

interface PcscReader {
	name: string;
	SCARD_STATE_PRESENT: number;
	SCARD_SHARE_SHARED: number;
	SCARD_PROTOCOL_T0: number;
	SCARD_PROTOCOL_T1: number;
	SCARD_LEAVE_CARD: number;
	on(event: "status", listener: (status: PcscStatus) => void): unknown;
	on(event: "end" | "error", listener: (err?: Error) => void): unknown;
	connect(options: { share_mode: number; protocol: number }, cb: (err: Error | null, protocol: number) => void): void;
	transmit(data: Buffer, responseLength: number, protocol: number, cb: (err: Error | null, data: Buffer) => void): void;
	disconnect(disposition: number, cb: (err: Error | null) => void): void;
	close(): void;
}

interface PcscContext {
	on(event: "reader", listener: (reader: PcscReader) => void): unknown;
	on(event: "error", listener: (err: Error) => void): unknown;
	close(): void;
}

function isPcscFactory(value: unknown): value is () => PcscContext {
	return typeof value === "function";
}

type Slot = { reader: PcscReader; present: boolean; kind: CardKind | null };

const CERTIFICATES_NOT_HERE = "PC/SC 後端只讀取健保卡；自然人憑證、工商憑證請以 --backend pkcs11 啟動讀卡程式。";

export class PcscBackend implements CardBackend {
	readonly name = "pcsc";
	readonly #context: PcscContext;
	readonly #slots = new Map<string, Slot>();

	private constructor(context: PcscContext, log: (line: string) => void) {
		this.#context = context;
		context.on("error", (err) => log(`PC/SC 錯誤：${err.message}`));
		context.on("reader", (reader) => {
			const slot: Slot = { reader, present: false, kind: null };
			this.#slots.set(reader.name, slot);
			reader.on("status", (status) => {
				const present = (status.state & reader.SCARD_STATE_PRESENT) !== 0;
				if (present !== slot.present) slot.kind = null;
				slot.present = present;
			});
			reader.on("end", () => this.#slots.delete(reader.name));
			reader.on("error", (err) => log(`讀卡機 ${reader.name}：${err?.message ?? "錯誤"}`));
		});
	}

	static async open(log: (line: string) => void): Promise<PcscBackend> {
		const factory = await importOptional("pcsclite", PCSCLITE_INSTALL);
		if (!isPcscFactory(factory)) throw new Error("pcsclite 模組的介面不符預期。");
		return new PcscBackend(factory(), log);
	}

	async status(): Promise<ReaderStatus> {
		const slot = this.#cardSlot(false);
		if (!slot) return { reader: this.#slots.size > 0, card: null };
		// Identify the card once per insertion: does it have the NHI applet?
		if (slot.kind === null) {
			slot.kind = await this.#withCard(slot, async (transmit) => {
				try {
					await exchange(transmit, SELECT_NHI_APPLET);
					return "nhi";
				} catch {
					return "unknown";
				}
			});
		}
		return { reader: true, card: { kind: slot.kind } };
	}

	async readNhiCard(): Promise<NhiBasicData> {
		const slot = this.#cardSlot(true);
		if (!slot) throw new ReaderError("NO_CARD", "讀卡機中沒有卡片，請插入健保卡。");
		return this.#withCard(slot, readNhiBasicData);
	}

	async signNhiChallenge(_payload: Uint8Array): Promise<Uint8Array> {
		throw new ReaderError(
			"NOT_SUPPORTED",
			"實體健保卡的驗證簽章須經健保署安全模組（SAM）及健保卡元件，本讀卡程式無法執行；開發測試請使用虛擬讀卡機。",
		);
	}

	async listCertificates(): Promise<CardCertificate[]> {
		throw new ReaderError("NOT_SUPPORTED", CERTIFICATES_NOT_HERE);
	}

	async signWithCertificate(_id: string, _pin: string, _payload: Uint8Array): Promise<CertificateSignature> {
		throw new ReaderError("NOT_SUPPORTED", CERTIFICATES_NOT_HERE);
	}

	async close(): Promise<void> {
		for (const slot of this.#slots.values()) slot.reader.close();
		this.#context.close();
	}

	/** The first reader with a card in it; throws NO_READER when there is no reader at all. */
	#cardSlot(required: boolean): Slot | undefined {
		if (this.#slots.size === 0) {
			if (required) throw new ReaderError("NO_READER");
			return undefined;
		}
		return [...this.#slots.values()].find((s) => s.present);
	}

	async #withCard<T>(slot: Slot, op: (transmit: Transmit) => Promise<T>): Promise<T> {
		const { reader } = slot;
		const protocol = await new Promise<number>((resolve, reject) => {
			reader.connect({ share_mode: reader.SCARD_SHARE_SHARED, protocol: reader.SCARD_PROTOCOL_T0 | reader.SCARD_PROTOCOL_T1 }, (err, p) =>
				err ? reject(new ReaderError("CARD_ERROR")) : resolve(p),
			);
		});
		const transmit: Transmit = (apdu) =>
			new Promise((resolve, reject) => {
				reader.transmit(Buffer.from(apdu), MAX_RESPONSE_BYTES, protocol, (err, data) =>
					err ? reject(new ReaderError("CARD_ERROR")) : resolve(new Uint8Array(data)),
				);
			});
		try {
			return await op(transmit);
		} finally {
			await new Promise<void>((resolve) => reader.disconnect(reader.SCARD_LEAVE_CARD, () => resolve()));
		}
	}
}
