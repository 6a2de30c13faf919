// Certificate cards (自然人憑證 MOICA, 工商憑證 MOEACA) through the card vendor's PKCS#11 module
// (--pkcs11-module /path/to/lib), via the optional native module `pkcs11js` (N-API). Every slot with a
// token counts: one reader may hold a 自然人憑證 and another a 工商憑證, and each certificate has its own
// kind (certificates.ts). Signs after C_Login with the PIN: CKM_SHA256_RSA_PKCS for RSA keys, CKM_ECDSA
// over a SHA-256 digest for EC keys (PKCS#11 returns r‖s, the IEEE P1363 form). The PIN rule is
// pin-tries.ts, with the token's own flags believed when they say fewer tries remain. Tested against
// SoftHSM2 (npm run reader:softhsm; reader/test/pkcs11.spec.ts). Constants are the PKCS#11 v2.40 values.

import { createHash, X509Certificate } from "node:crypto";
import { agreedCard, type CardBackend, type CardCertificate, type CertificateSignature, type NhiBasicData, type ReaderStatus } from "../card.ts";
import { certificateFacts, isCaCertificate } from "../certificates.ts";
import { ReaderError } from "../errors.ts";
import { PinTries } from "../pin-tries.ts";
import { importOptional } from "./optional-module.ts";

export const PKCS11JS_INSTALL = [
	"  npm install 會一併安裝（需要 C++ 編譯工具；Debian/Ubuntu： sudo apt-get install build-essential python3，然後重新執行 npm install）",
	"  並以 --pkcs11-module 指定讀卡機或憑證卡廠商提供的 PKCS#11 程式庫路徑。",
].join("\n");

const CKA_CLASS = 0x0;
const CKA_VALUE = 0x11;
const CKA_ID = 0x102;
const CKO_CERTIFICATE = 1;
const CKO_PRIVATE_KEY = 3;
const CKU_USER = 1;
const CKF_SERIAL_SESSION = 0x4;
const CKF_TOKEN_INITIALIZED = 0x400;
const CKF_USER_PIN_FINAL_TRY = 0x20000;
const CKF_USER_PIN_LOCKED = 0x40000;
const CKM_SHA256_RSA_PKCS = 0x40;
const CKM_ECDSA = 0x1041;
const CKR_PIN_INCORRECT = 0xa0;
const CKR_PIN_LOCKED = 0xa4;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;
/** Room for a 4096-bit RSA signature or a P-521 r‖s. */
const MAX_SIGNATURE_BYTES = 512;

type Handle = Buffer;
type Attribute = { type: number; value?: number | boolean | string | Buffer };

interface Pkcs11 {
	load(path: string): void;
	C_Initialize(): void;
	C_Finalize(): void;
	close(): void;
	C_GetSlotList(tokenPresent?: boolean): Handle[];
	C_GetSlotInfo(slot: Handle): { slotDescription: string };
	C_GetTokenInfo(slot: Handle): { label: string; serialNumber: string; flags: number };
	C_OpenSession(slot: Handle, flags: number): Handle;
	C_CloseSession(session: Handle): void;
	C_Login(session: Handle, userType: number, pin?: string): void;
	C_Logout(session: Handle): void;
	C_FindObjectsInit(session: Handle, template: Attribute[]): void;
	C_FindObjects(session: Handle): Handle | null;
	C_FindObjectsFinal(session: Handle): void;
	C_GetAttributeValue(session: Handle, object: Handle, template: Attribute[]): Attribute[];
	C_SignInit(session: Handle, mechanism: { mechanism: number }, key: Handle): void;
	C_Sign(session: Handle, data: Buffer, signature: Buffer): Buffer;
}

function isPkcs11Module(value: unknown): value is { PKCS11: new () => Pkcs11 } {
	return typeof value === "object" && value !== null && "PKCS11" in value && typeof value.PKCS11 === "function";
}

/** pkcs11js reports a failed call as an Error named after its CKR_ value, with the numeric code. */
function isCkr(err: unknown, name: string, code: number): boolean {
	return err instanceof Error && (err.message.includes(name) || ("code" in err && err.code === code));
}

/** One inserted token: where it is, and the serial that names it in certificate ids and the PIN count. */
type Token = { slot: Handle; serial: string; label: string; reader: string };

const NHI_NOT_HERE = "PKCS#11 後端只使用憑證卡；健保卡請以 --backend pcsc 或 virtual 啟動讀卡程式。";

export class Pkcs11Backend implements CardBackend {
	readonly name = "pkcs11";
	readonly #lib: Pkcs11;
	readonly #pins = new PinTries();

	private constructor(lib: Pkcs11) {
		this.#lib = lib;
	}

	static async open(modulePath: string): Promise<Pkcs11Backend> {
		const mod = await importOptional("pkcs11js", PKCS11JS_INSTALL);
		if (!isPkcs11Module(mod)) throw new Error("pkcs11js 模組的介面不符預期。");
		const lib = new mod.PKCS11();
		lib.load(modulePath);
		lib.C_Initialize();
		return new Pkcs11Backend(lib);
	}

	async status(): Promise<ReaderStatus> {
		if (this.#lib.C_GetSlotList(false).length === 0) return { reader: false, card: null, cards: [] };
		const cards = this.#tokens().map((token) => {
			const kinds = new Set(this.#withSession(token, (session) => this.#certificates(session, token)).filter((c) => c.canSign).map((c) => c.kind));
			return { reader: token.reader, kind: kinds.size === 1 ? [...kinds][0] ?? "unknown" : "unknown" } as const;
		});
		return { reader: true, card: agreedCard(cards), cards };
	}

	async readNhiCard(): Promise<NhiBasicData> {
		throw new ReaderError("NOT_SUPPORTED", NHI_NOT_HERE);
	}

	async signNhiChallenge(_payload: Uint8Array): Promise<Uint8Array> {
		throw new ReaderError("NOT_SUPPORTED", NHI_NOT_HERE);
	}

	async listCertificates(): Promise<CardCertificate[]> {
		const tokens = this.#requireTokens();
		return tokens.flatMap((token) => this.#withSession(token, (session) => this.#certificates(session, token)));
	}

	async signWithCertificate(id: string, pin: string, payload: Uint8Array): Promise<CertificateSignature> {
		const token = this.#requireTokens().find((t) => id.startsWith(`${t.serial}:`));
		if (!token) throw new ReaderError("CARD_NOT_FOUND", "插入的卡片上沒有指定的憑證。");
		return this.#withSession(token, (session) => {
			const cert = this.#certificates(session, token).find((c) => c.id === id);
			if (!cert) throw new ReaderError("CARD_NOT_FOUND", "插入的卡片上沒有指定的憑證。");
			this.#pins.assertUnlocked(token.serial);
			if (this.#lib.C_GetTokenInfo(token.slot).flags & CKF_USER_PIN_LOCKED) throw new ReaderError("PIN_LOCKED");
			this.#login(session, token, pin);
			try {
				const key = this.#findOne(session, [
					{ type: CKA_CLASS, value: CKO_PRIVATE_KEY },
					{ type: CKA_ID, value: Buffer.from(id.slice(token.serial.length + 1), "hex") },
				]);
				if (!key) throw new ReaderError("CARD_NOT_FOUND", "憑證卡上找不到此憑證的私鑰。");
				const ec = new X509Certificate(cert.certificate).publicKey.asymmetricKeyType === "ec";
				this.#lib.C_SignInit(session, { mechanism: ec ? CKM_ECDSA : CKM_SHA256_RSA_PKCS }, key);
				const data = ec ? createHash("sha256").update(payload).digest() : Buffer.from(payload);
				const signature = this.#lib.C_Sign(session, data, Buffer.alloc(MAX_SIGNATURE_BYTES));
				return { certificate: cert.certificate, signature: new Uint8Array(signature), chain: this.#caCertificates(session) };
			} finally {
				this.#lib.C_Logout(session);
			}
		});
	}

	async close(): Promise<void> {
		this.#lib.C_Finalize();
		this.#lib.close();
	}

	/** C_Login with the PIN, so the card itself checks it; its refusals become PIN_WRONG / PIN_LOCKED. */
	#login(session: Handle, token: Token, pin: string): void {
		try {
			this.#lib.C_Login(session, CKU_USER, pin);
		} catch (err) {
			if (!isCkr(err, "CKR_USER_ALREADY_LOGGED_IN", CKR_USER_ALREADY_LOGGED_IN)) throw this.#pinError(err, token);
			// Left logged in by an earlier run: log out and in again, so this request's PIN is what the card checks.
			this.#lib.C_Logout(session);
			try {
				this.#lib.C_Login(session, CKU_USER, pin);
			} catch (retryErr) {
				throw this.#pinError(retryErr, token);
			}
		}
		this.#pins.right(token.serial);
	}

	#pinError(err: unknown, token: Token): unknown {
		if (isCkr(err, "CKR_PIN_LOCKED", CKR_PIN_LOCKED)) return this.#pins.wrong(token.serial, 0);
		if (!isCkr(err, "CKR_PIN_INCORRECT", CKR_PIN_INCORRECT)) return err;
		const flags = this.#lib.C_GetTokenInfo(token.slot).flags;
		const cardSays = flags & CKF_USER_PIN_LOCKED ? 0 : flags & CKF_USER_PIN_FINAL_TRY ? 1 : null;
		return this.#pins.wrong(token.serial, cardSays);
	}

	/** Inserted, initialized tokens (a blank card, or SoftHSM2's spare slot, holds nothing to use). */
	#tokens(): Token[] {
		const tokens: Token[] = [];
		for (const slot of this.#lib.C_GetSlotList(true)) {
			const info = this.#lib.C_GetTokenInfo(slot);
			if ((info.flags & CKF_TOKEN_INITIALIZED) === 0) continue;
			tokens.push({ slot, serial: info.serialNumber.trim(), label: info.label.trim(), reader: this.#lib.C_GetSlotInfo(slot).slotDescription.trim() });
		}
		return tokens;
	}

	#requireTokens(): Token[] {
		if (this.#lib.C_GetSlotList(false).length === 0) throw new ReaderError("NO_READER");
		const tokens = this.#tokens();
		if (tokens.length === 0) throw new ReaderError("NO_CARD", "讀卡機中沒有憑證卡，請插入自然人憑證或工商憑證。");
		return tokens;
	}

	#withSession<T>(token: Token, op: (session: Handle) => T): T {
		const session = this.#lib.C_OpenSession(token.slot, CKF_SERIAL_SESSION);
		try {
			return op(session);
		} finally {
			this.#lib.C_CloseSession(session);
		}
	}

	#findOne(session: Handle, template: Attribute[]): Handle | null {
		this.#lib.C_FindObjectsInit(session, template);
		try {
			return this.#lib.C_FindObjects(session) || null;
		} finally {
			this.#lib.C_FindObjectsFinal(session);
		}
	}

	#certificateHandles(session: Handle): Handle[] {
		const handles: Handle[] = [];
		this.#lib.C_FindObjectsInit(session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }]);
		try {
			for (let h = this.#lib.C_FindObjects(session); h; h = this.#lib.C_FindObjects(session)) handles.push(h);
		} finally {
			this.#lib.C_FindObjectsFinal(session);
		}
		return handles;
	}

	/** CA certificates the token holds beside the card's own, passed along so the portal can build the chain. */
	#caCertificates(session: Handle): Uint8Array[] {
		const cas: Uint8Array[] = [];
		for (const handle of this.#certificateHandles(session)) {
			const [value] = this.#lib.C_GetAttributeValue(session, handle, [{ type: CKA_VALUE }]);
			if (Buffer.isBuffer(value?.value) && isCaCertificate(value.value)) cas.push(new Uint8Array(value.value));
		}
		return cas;
	}

	/** The token's MOICA / MOEACA certificates; the id joins the token's serial and the CKA_ID its key shares. */
	#certificates(session: Handle, token: Token): CardCertificate[] {
		const certs: CardCertificate[] = [];
		for (const handle of this.#certificateHandles(session)) {
			const [value, id] = this.#lib.C_GetAttributeValue(session, handle, [{ type: CKA_VALUE }, { type: CKA_ID }]);
			if (!Buffer.isBuffer(value?.value) || !Buffer.isBuffer(id?.value)) continue;
			const der = new Uint8Array(value.value);
			const facts = certificateFacts(der);
			if (facts.kind === null) continue;
			certs.push({ id: `${token.serial}:${id.value.toString("hex")}`, kind: facts.kind, subject: facts.subject, certificate: der, canSign: facts.canSign });
		}
		return certs;
	}
}
