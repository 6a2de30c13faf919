// Real NHI cards in PC/SC readers (pcsc-lite's pcscd on Linux, WinSCard on Windows, the PC/SC framework
// on macOS), through the optional native module `smartcard` (N-API: one build runs on every Node
// version, unlike the NAN-built `pcsclite`). Every call asks PC/SC afresh which readers exist and which
// hold a card, so readers plugged in, cards swapped and a restarted pcscd need no restart here. A card is
// an NHI card when it answers SELECT of the NHI applet (nhi-apdu.ts); with several readers the first NHI
// card is read. It cannot answer a challenge: a genuine NHI card signs only through NHI's secure access
// module (SAM) and card component, which this helper does not have, so signNhiChallenge says so.
// Tested against pcscd with vsmartcard's virtual reader and an emulated card (reader/test/pcsc.spec.ts).

import { agreedCard, type CardBackend, type CardCertificate, type CardKind, type CertificateSignature, type NhiBasicData, type ReaderStatus } from "../card.ts";
import { ReaderError } from "../errors.ts";
import { exchange, readNhiBasicData, SELECT_NHI_APPLET, type Transmit } from "../nhi-apdu.ts";
import { importOptional } from "./optional-module.ts";

export const SMARTCARD_INSTALL = [
	"  Debian/Ubuntu： sudo apt-get install pcscd libpcsclite-dev build-essential python3，然後重新執行 npm install",
	"  Windows／macOS：內建 PC/SC，npm install 會一併編譯（需要 Node 原生模組編譯工具 node-gyp）",
].join("\n");

/** 256 data bytes + SW1 SW2: the most one short APDU response can hold. */
const MAX_RESPONSE_BYTES = 258;

interface ScCard {
	transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
	disconnect(disposition?: number): void;
}

interface ScReader {
	readonly name: string;
	readonly state: number;
	connect(shareMode?: number, protocol?: number): Promise<ScCard>;
}

interface ScContext {
	listReaders(): ScReader[];
	close(): void;
}

type Smartcard = {
	Context: new () => ScContext;
	SCARD_STATE_PRESENT: number;
	SCARD_SHARE_SHARED: number;
	SCARD_PROTOCOL_T0: number;
	SCARD_PROTOCOL_T1: number;
	SCARD_LEAVE_CARD: number;
};

function isSmartcard(value: unknown): value is Smartcard {
	return typeof value === "object" && value !== null && "Context" in value && typeof value.Context === "function" && "SCARD_STATE_PRESENT" in value;
}

const CERTIFICATES_NOT_HERE = "PC/SC 後端只讀取健保卡；自然人憑證、工商憑證請以 --backend pkcs11 啟動讀卡程式。";
const INSERT_NHI_CARD = "讀卡機中沒有卡片，請插入健保卡。";
const NOT_AN_NHI_CARD = "插入的不是健保卡，請插入健保卡。";

export class PcscBackend implements CardBackend {
	readonly name = "pcsc";
	readonly #sc: Smartcard;
	readonly #log: (line: string) => void;

	private constructor(sc: Smartcard, log: (line: string) => void) {
		this.#sc = sc;
		this.#log = log;
	}

	static async open(log: (line: string) => void): Promise<PcscBackend> {
		const mod = await importOptional("smartcard", SMARTCARD_INSTALL);
		if (!isSmartcard(mod)) throw new Error("smartcard 模組的介面不符預期。");
		return new PcscBackend(mod, log);
	}

	async status(): Promise<ReaderStatus> {
		return this.#withReaders(async (readers) => {
			if (readers.length === 0) return { reader: false, card: null, cards: [] };
			const cards: ReaderStatus["cards"] = [];
			for (const reader of readers.filter((r) => this.#hasCard(r))) cards.push({ reader: reader.name, kind: await this.#kind(reader) });
			// The page asks for an NHI card: one in any reader is the card, whatever the other readers hold.
			const card = cards.some((c) => c.kind === "nhi") ? ({ kind: "nhi" } as const) : agreedCard(cards);
			return { reader: true, card, cards };
		}).catch((err: unknown) => {
			// No PC/SC service (pcscd stopped) is a status like any other: no reader.
			if (err instanceof ReaderError && err.code === "NO_READER") return { reader: false, card: null, cards: [] };
			throw err;
		});
	}

	async readNhiCard(): Promise<NhiBasicData> {
		return this.#withReaders(async (readers) => {
			if (readers.length === 0) throw new ReaderError("NO_READER");
			const withCard = readers.filter((r) => this.#hasCard(r));
			if (withCard.length === 0) throw new ReaderError("NO_CARD", INSERT_NHI_CARD);
			for (const reader of withCard) {
				try {
					return await this.#withCard(reader, readNhiBasicData);
				} catch (err) {
					// Not an NHI card (6A 82 and kin): try the next reader.
					if (!(err instanceof ReaderError && err.code === "WRONG_CARD_KIND")) throw err;
				}
			}
			throw new ReaderError("WRONG_CARD_KIND", NOT_AN_NHI_CARD);
		});
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

	async close(): Promise<void> {}

	#hasCard(reader: ScReader): boolean {
		return (reader.state & this.#sc.SCARD_STATE_PRESENT) !== 0;
	}

	/** A PC/SC context for one call. No pcscd (or no PC/SC service) is the same to the person as no reader. */
	async #withReaders<T>(op: (readers: ScReader[]) => Promise<T>): Promise<T> {
		let context: ScContext;
		try {
			context = new this.#sc.Context();
		} catch (err) {
			this.#log(`PC/SC 服務無法使用（Linux 請確認 pcscd 已啟動）：${err instanceof Error ? err.message : String(err)}`);
			throw new ReaderError("NO_READER", "找不到讀卡機：PC/SC 服務未啟動（Linux 請啟動 pcscd），或讀卡機未連接電腦。");
		}
		try {
			let readers: ScReader[];
			try {
				readers = context.listReaders();
			} catch {
				readers = []; // SCARD_E_NO_READERS_AVAILABLE
			}
			return await op(readers);
		} finally {
			context.close();
		}
	}

	async #kind(reader: ScReader): Promise<CardKind> {
		try {
			return await this.#withCard(reader, async (transmit) => {
				try {
					await exchange(transmit, SELECT_NHI_APPLET);
					return "nhi";
				} catch {
					return "unknown";
				}
			});
		} catch {
			return "unknown"; // removed while we looked, or mute
		}
	}

	async #withCard<T>(reader: ScReader, op: (transmit: Transmit) => Promise<T>): Promise<T> {
		const { SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0, SCARD_PROTOCOL_T1, SCARD_LEAVE_CARD } = this.#sc;
		let card: ScCard;
		try {
			card = await reader.connect(SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1);
		} catch (err) {
			this.#log(`讀卡機 ${reader.name}：無法連接卡片（${err instanceof Error ? err.message : String(err)}）`);
			throw new ReaderError("CARD_ERROR");
		}
		const transmit: Transmit = async (apdu) => {
			try {
				return new Uint8Array(await card.transmit(Buffer.from(apdu), { maxRecvLength: MAX_RESPONSE_BYTES }));
			} catch (err) {
				this.#log(`讀卡機 ${reader.name}：傳送指令失敗（${err instanceof Error ? err.message : String(err)}）`);
				throw new ReaderError("CARD_ERROR");
			}
		};
		try {
			return await op(transmit);
		} finally {
			try {
				card.disconnect(SCARD_LEAVE_CARD);
			} catch {
				// The card is already gone.
			}
		}
	}
}
