// Certificate cards (自然人憑證 MOICA, 工商憑證 MOEACA) through the card vendor's PKCS#11 module
// (--pkcs11-module /path/to/lib), via the optional native module `pkcs11js`. Lists the token's
// certificates (CKO_CERTIFICATE, CKA_VALUE) and signs after C_Login with the PIN: CKM_SHA256_RSA_PKCS for
// RSA keys, CKM_ECDSA over a SHA-256 digest for EC keys (PKCS#11 returns r‖s, the IEEE P1363 form).
// Untested here (no token in CI); keep it small. Constants are the PKCS#11 v2.40 values.

import { createHash, X509Certificate } from "node:crypto";
import type { CardBackend, CardCertificate, CertificateKind, CertificateSignature, NhiBasicData, ReaderStatus } from "../card.ts";
import { pinWrong, ReaderError } from "../errors.ts";
import { importOptional } from "./optional-module.ts";

export const PKCS11JS_INSTALL = [
	"  需要 Node 原生模組編譯工具（Debian/Ubuntu： sudo apt-get install build-essential python3）",
	"  然後在專案目錄執行： npm install --no-save pkcs11js",
	"  並以 --pkcs11-module 指定讀卡機或憑證卡廠商提供的 PKCS#11 程式庫路徑。",
].join("\n");

const CKA_CLASS = 0x0;
const CKA_VALUE = 0x11;
const CKA_ID = 0x102;
const CKO_CERTIFICATE = 1;
const CKO_PRIVATE_KEY = 3;
const CKU_USER = 1;
const CKF_SERIAL_SESSION = 0x4;
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
	C_GetTokenInfo(slot: Handle): { flags: number };
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

/** pkcs11js reports a failed call as an Error named after its CKR_ value (and, in v2, with a numeric code). */
function isCkr(err: unknown, name: string, code: number): boolean {
	return err instanceof Error && (err.message.includes(name) || ("code" in err && err.code === code));
}

/** By the issuing CA: 內政部憑證管理中心 issues MOICA, 經濟部工商憑證管理中心 issues MOEACA. */
function certificateKind(cert: X509Certificate): CertificateKind | null {
	if (/MOEACA|工商憑證/.test(cert.issuer)) return "moeaca";
	if (/MOICA|內政部憑證/.test(cert.issuer)) return "moica";
	return null;
}

const NHI_NOT_HERE = "PKCS#11 後端只使用憑證卡；健保卡請以 --backend pcsc 或 virtual 啟動讀卡程式。";

export class Pkcs11Backend implements CardBackend {
	readonly name = "pkcs11";
	readonly #lib: Pkcs11;

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
		if (this.#lib.C_GetSlotList(false).length === 0) return { reader: false, card: null };
		if (this.#lib.C_GetSlotList(true).length === 0) return { reader: true, card: null };
		const certs = await this.listCertificates();
		return { reader: true, card: { kind: certs[0]?.kind ?? "unknown" } };
	}

	async readNhiCard(): Promise<NhiBasicData> {
		throw new ReaderError("NOT_SUPPORTED", NHI_NOT_HERE);
	}

	async signNhiChallenge(_payload: Uint8Array): Promise<Uint8Array> {
		throw new ReaderError("NOT_SUPPORTED", NHI_NOT_HERE);
	}

	async listCertificates(): Promise<CardCertificate[]> {
		return this.#withSession((session) => this.#certificates(session));
	}

	async signWithCertificate(id: string, pin: string, payload: Uint8Array): Promise<CertificateSignature> {
		return this.#withSession((session, slot) => {
			const cert = this.#certificates(session).find((c) => c.id === id);
			if (!cert) throw new ReaderError("CARD_NOT_FOUND", "插入的卡片上沒有指定的憑證。");
			if (this.#lib.C_GetTokenInfo(slot).flags & CKF_USER_PIN_LOCKED) throw new ReaderError("PIN_LOCKED");
			this.#login(session, slot, pin);
			try {
				const key = this.#findOne(session, [
					{ type: CKA_CLASS, value: CKO_PRIVATE_KEY },
					{ type: CKA_ID, value: Buffer.from(id, "hex") },
				]);
				if (!key) throw new ReaderError("CARD_NOT_FOUND", "憑證卡上找不到此憑證的私鑰。");
				const ec = new X509Certificate(cert.certificate).publicKey.asymmetricKeyType === "ec";
				this.#lib.C_SignInit(session, { mechanism: ec ? CKM_ECDSA : CKM_SHA256_RSA_PKCS }, key);
				const data = ec ? createHash("sha256").update(payload).digest() : Buffer.from(payload);
				const signature = this.#lib.C_Sign(session, data, Buffer.alloc(MAX_SIGNATURE_BYTES));
				return { certificate: cert.certificate, signature: new Uint8Array(signature) };
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
	#login(session: Handle, slot: Handle, pin: string): void {
		try {
			this.#lib.C_Login(session, CKU_USER, pin);
		} catch (err) {
			if (!isCkr(err, "CKR_USER_ALREADY_LOGGED_IN", CKR_USER_ALREADY_LOGGED_IN)) throw this.#pinError(err, slot);
			// Left logged in by an earlier run: log out and in again, so this request's PIN is what the card checks.
			this.#lib.C_Logout(session);
			try {
				this.#lib.C_Login(session, CKU_USER, pin);
			} catch (retryErr) {
				throw this.#pinError(retryErr, slot);
			}
		}
	}

	#pinError(err: unknown, slot: Handle): unknown {
		if (isCkr(err, "CKR_PIN_LOCKED", CKR_PIN_LOCKED)) return new ReaderError("PIN_LOCKED");
		if (!isCkr(err, "CKR_PIN_INCORRECT", CKR_PIN_INCORRECT)) return err;
		const flags = this.#lib.C_GetTokenInfo(slot).flags;
		if (flags & CKF_USER_PIN_LOCKED) return new ReaderError("PIN_LOCKED");
		return pinWrong(flags & CKF_USER_PIN_FINAL_TRY ? 1 : null);
	}

	#withSession<T>(op: (session: Handle, slot: Handle) => T): T {
		if (this.#lib.C_GetSlotList(false).length === 0) throw new ReaderError("NO_READER");
		const slot = this.#lib.C_GetSlotList(true)[0];
		if (!slot) throw new ReaderError("NO_CARD", "讀卡機中沒有憑證卡，請插入自然人憑證或工商憑證。");
		const session = this.#lib.C_OpenSession(slot, CKF_SERIAL_SESSION);
		try {
			return op(session, slot);
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

	/** The token's MOICA / MOEACA certificates; the id is the hex CKA_ID shared with the private key. */
	#certificates(session: Handle): CardCertificate[] {
		const handles: Handle[] = [];
		this.#lib.C_FindObjectsInit(session, [{ type: CKA_CLASS, value: CKO_CERTIFICATE }]);
		try {
			for (let h = this.#lib.C_FindObjects(session); h; h = this.#lib.C_FindObjects(session)) handles.push(h);
		} finally {
			this.#lib.C_FindObjectsFinal(session);
		}
		const certs: CardCertificate[] = [];
		for (const handle of handles) {
			const [value, id] = this.#lib.C_GetAttributeValue(session, handle, [{ type: CKA_VALUE }, { type: CKA_ID }]);
			if (!Buffer.isBuffer(value?.value) || !Buffer.isBuffer(id?.value)) continue;
			const x509 = new X509Certificate(value.value);
			const kind = certificateKind(x509);
			if (kind === null) continue;
			certs.push({ id: id.value.toString("hex"), kind, subject: x509.subject.split("\n").join(", "), certificate: new Uint8Array(value.value) });
		}
		return certs;
	}
}
