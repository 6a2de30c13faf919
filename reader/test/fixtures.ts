// Test fixtures for the reader helper: a temporary keys directory shaped like the seed's (cards.json) and
// the dev CA's (certs.json), a reader started on a free port, and a raw HTTP client that sets Origin and
// Host exactly as a browser or an attacker would (fetch would not let a test forge them).

import "reflect-metadata"; // @peculiar/x509's dependency injection needs it loaded first
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import * as x509 from "@peculiar/x509";
import { VirtualBackend } from "../backends/virtual.ts";
import type { CardBackend } from "../card.ts";
import { type RunningReader, startReaderServer } from "../server.ts";

export const PORTAL_ORIGIN = "http://127.0.0.1:8787";
export const OTHER_ALLOWED_ORIGIN = "http://localhost:8787";
export const FOREIGN_ORIGIN = "https://evil.example";
/** The demo unit manager who signs in with the fixture's 工商憑證. */
export const MOEACA_MANAGER_ID = "F131104093";

export type TestCard = { cardNo: string; name: string; idNo: string; birthDateRoc: string; sex: "M" | "F"; issuedOnRoc: string; publicKey: KeyObject };
export type TestCert = { id: string; kind: "moica" | "moeaca"; pin: string; der: Buffer };
export type KeysDir = { dir: string; cards: TestCard[]; certs: TestCert[]; remove(): void };

function ecCard(cardNo: string, name: string, idNo: string, sex: "M" | "F"): { card: TestCard; json: object } {
	const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
	const card = { cardNo, name, idNo, birthDateRoc: "0780512", sex, issuedOnRoc: "1050713", publicKey };
	return {
		card,
		json: { ...card, status: "active", publicKey: publicKey.export({ format: "jwk" }), privateKey: privateKey.export({ format: "jwk" }) },
	};
}

async function selfSigned(name: string, algorithm: RsaHashedKeyGenParams | EcKeyGenParams): Promise<{ der: Buffer; pkcs8: Buffer; jwk: JsonWebKey }> {
	const signing = algorithm.name === "ECDSA" ? { name: "ECDSA", hash: "SHA-256" } : algorithm;
	const keys = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
	const cert = await x509.X509CertificateGenerator.createSelfSigned({
		serialNumber: "01",
		name,
		notBefore: new Date("2026-01-01T00:00:00Z"),
		notAfter: new Date("2031-01-01T00:00:00Z"),
		signingAlgorithm: signing,
		keys,
		// A signing certificate, as the helper offers only those (reader/certificates.ts).
		extensions: [new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true)],
	});
	return {
		der: Buffer.from(cert.rawData),
		pkcs8: Buffer.from(await crypto.subtle.exportKey("pkcs8", keys.privateKey)),
		jwk: await crypto.subtle.exportKey("jwk", keys.privateKey),
	};
}

/** Two NHI cards (one with markup in its name, to prove the page escapes it) and two certificate cards. */
export async function makeKeysDir(): Promise<KeysDir> {
	const dir = mkdtempSync(path.join(tmpdir(), "reader-keys-"));
	const a = ecCard("000012345678", "陳怡君", "A234567890", "F");
	const b = ecCard("000087654321", "<script>林志明</script>", "B123456789", "M");
	writeFileSync(path.join(dir, "cards.json"), JSON.stringify({ [a.card.cardNo]: a.json, [b.card.cardNo]: b.json }));

	const rsa = await selfSigned("CN=王小明, C=TW", { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) });
	const ec = await selfSigned("CN=數美科技股份有限公司, C=TW", { name: "ECDSA", namedCurve: "P-256" });
	const certs: TestCert[] = [
		{ id: "moica-wang", kind: "moica", pin: "123456", der: rsa.der },
		{ id: "moeaca-shumei", kind: "moeaca", pin: "87654321", der: ec.der },
	];
	writeFileSync(
		path.join(dir, "certs.json"),
		JSON.stringify([
			{ id: "moica-wang", kind: "moica", certificateDer: rsa.der.toString("base64"), privateKeyPkcs8: rsa.pkcs8.toString("base64"), pin: "123456", holder: { idNo: "A123456789" } },
			{
				id: "moeaca-shumei",
				kind: "moeaca",
				certificateDer: ec.der.toString("base64"),
				privateKeyJwk: ec.jwk,
				pin: "87654321",
				holder: { ban: "04595257", managerIdNo: MOEACA_MANAGER_ID },
			},
		]),
	);
	return { dir, cards: [a.card, b.card], certs, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type TestReader = RunningReader & { backend: VirtualBackend; logs: string[] };

/** A reader on a free loopback port with the virtual backend over the keys in `dir`; close it when done. */
export async function startTestReader(dir: string): Promise<TestReader> {
	const backend = await VirtualBackend.load(dir);
	const running = await startReaderOn(backend, backend);
	return { ...running, backend };
}

/** A reader on a free loopback port over any backend (pcsc, pkcs11 on a real stack); close it when done. */
export async function startReaderOn(backend: CardBackend, virtual?: VirtualBackend): Promise<RunningReader & { logs: string[] }> {
	const logs: string[] = [];
	const running = await startReaderServer({
		backend,
		...(virtual ? { virtual } : {}),
		allowedOrigins: [PORTAL_ORIGIN, OTHER_ALLOWED_ORIGIN],
		port: 0,
		log: (line) => logs.push(line),
	});
	return { ...running, logs };
}

export type Reply = { status: number; headers: Record<string, string | string[] | undefined>; text: string; json: unknown };

/** One raw HTTP request; `headers` go out exactly as given (Host defaults to the reader's own). */
export function call(
	reader: Pick<RunningReader, "port">,
	method: string,
	pathname: string,
	options: { origin?: string; headers?: Record<string, string>; body?: unknown; rawBody?: string; host?: string } = {},
): Promise<Reply> {
	const headers: Record<string, string> = { ...options.headers };
	if (options.origin !== undefined) headers.Origin = options.origin;
	let body: string | undefined = options.rawBody;
	if (options.body !== undefined) {
		body = JSON.stringify(options.body);
		headers["Content-Type"] ??= "application/json";
	}
	return new Promise((resolve, reject) => {
		const req = request({ host: "127.0.0.1", port: reader.port, method, path: pathname, headers: { Host: options.host ?? `127.0.0.1:${reader.port}`, ...headers } }, (res) => {
			const chunks: Buffer[] = [];
			res.on("data", (c: Buffer) => chunks.push(c));
			res.on("end", () => {
				const text = Buffer.concat(chunks).toString("utf8");
				let json: unknown = null;
				try {
					json = JSON.parse(text);
				} catch {
					// not JSON (HTML, script, empty): keep the text
				}
				resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
			});
		});
		req.on("error", reject);
		req.end(body);
	});
}

/** Reads `reply.json.<path>` as the test expects it, failing with the whole reply when it is not there. */
export function field(reply: Reply, ...keys: string[]): unknown {
	let value: unknown = reply.json;
	for (const key of keys) {
		const entries = typeof value === "object" && value !== null ? new Map(Object.entries(value)) : new Map<string, unknown>();
		if (!entries.has(key)) throw new Error(`no ${keys.join(".")} in ${reply.status} ${reply.text}`);
		value = entries.get(key);
	}
	return value;
}

export function isCorsHeader(name: string): boolean {
	return name.toLowerCase().startsWith("access-control-");
}
