// npm run reader:softhsm [-- [--dir .softhsm] [card id…]]: the dev PKI's certificate cards as PKCS#11
// tokens in SoftHSM2 (Debian: softhsm2, opensc), so the reader helper's pkcs11 backend signs through a
// real PKCS#11 module instead of the virtual reader. Each card becomes one token (as if each were in its
// own reader), labelled with the card's id, user PIN = the card's PIN, holding both of the card's
// certificates with their private keys, as a real 自然人憑證 / 工商憑證 does: the signing pair with
// CKA_ID 01 and the encryption pair with CKA_ID 02; beside them the issuing CA's certificate (CKA_ID 10,
// no key), which the helper passes along with a signature so the portal can build the chain to the root.
// Keys go in with softhsm2-util --import (PKCS#8), certificates with pkcs11-tool --write-object.
//
// Cards: the ids given, by default the 自然人憑證 of 數美科技's demo manager and the company's 工商憑證
// (moica-110001000-manager, moeaca-110001000), read from .reader-keys/certs.json (npm run seed makes it).
// The tokens live in <dir>/tokens with <dir>/softhsm2.conf (default .softhsm/, git-ignored); each run
// starts them afresh. Then:
//   SOFTHSM2_CONF=.softhsm/softhsm2.conf npm run reader -- --backend pkcs11 --pkcs11-module <the module>

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { ReaderCertificate } from "./dev-pki.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const DEFAULT_DIR = path.join(ROOT, ".softhsm");
const CERTS_FILE = path.join(ROOT, ".reader-keys", "certs.json");
const DEFAULT_CARDS = ["moica-110001000-manager", "moeaca-110001000"];
/** The Security Officer PIN of the dev tokens (only ever needed to re-initialize them). */
const SO_PIN = "87654321";
const SIGNING_ID = "01";
const ENCRYPTION_ID = "02";

/** Where Debian, Ubuntu, Fedora and Homebrew put SoftHSM2's PKCS#11 module. */
const MODULE_PATHS = [
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib64/pkcs11/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
	"/opt/homebrew/lib/softhsm/libsofthsm2.so",
];

export type SofthsmToken = { cardId: string; label: string; serial: string };
export type SofthsmTokens = { conf: string; module: string; tokens: SofthsmToken[] };

export function softhsmModule(): string | undefined {
	return MODULE_PATHS.find((p) => existsSync(p));
}

function hasCommand(name: string): boolean {
	try {
		execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
		return true;
	} catch {
		return false;
	}
}

/** What this machine lacks for SoftHSM2 tokens, in words; undefined when nothing. */
export function softhsmMissing(): string | undefined {
	const missing = [
		...(softhsmModule() ? [] : ["libsofthsm2.so"]),
		...(hasCommand("softhsm2-util") ? [] : ["softhsm2-util"]),
		...(hasCommand("pkcs11-tool") ? [] : ["pkcs11-tool"]),
	];
	return missing.length === 0 ? undefined : `${missing.join(", ")} not found (Debian/Ubuntu: apt-get install softhsm2 opensc)`;
}

/** A token label is at most 32 bytes. */
function tokenLabel(cardId: string): string {
	return Buffer.from(cardId).subarray(0, 32).toString();
}

function pem(label: string, base64: string): string {
	return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join("\n") ?? ""}\n-----END ${label}-----\n`;
}

/**
 * Makes a fresh SoftHSM2 token store in `dir` with one token per card. Synchronous: a handful of short
 * command-line calls per card.
 */
export function writeSofthsmTokens(dir: string, cards: readonly ReaderCertificate[]): SofthsmTokens {
	const module = softhsmModule();
	const missing = softhsmMissing();
	if (!module || missing) throw new Error(`SoftHSM2 is not usable here: ${missing ?? "no module"}`);
	const tokensDir = path.join(dir, "tokens");
	rmSync(tokensDir, { recursive: true, force: true });
	mkdirSync(tokensDir, { recursive: true, mode: 0o700 });
	const conf = path.join(dir, "softhsm2.conf");
	writeFileSync(conf, `directories.tokendir = ${tokensDir}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`);
	const env = { ...process.env, SOFTHSM2_CONF: conf };
	const run = (command: string, args: string[]): string => execFileSync(command, args, { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

	const scratch = mkdtempSync(path.join(tmpdir(), "softhsm-import-"));
	try {
		const tokens = cards.map((card, n) => {
			const label = tokenLabel(card.id);
			run("softhsm2-util", ["--init-token", "--free", "--label", label, "--so-pin", SO_PIN, "--pin", card.pin]);
			const pairs = [
				{ id: SIGNING_ID, name: "簽章", der: card.certificateDer, key: card.privateKeyPkcs8 },
				{ id: ENCRYPTION_ID, name: "加密", der: card.encryption.certificateDer, key: card.encryption.privateKeyPkcs8 },
			];
			for (const pair of pairs) {
				const keyFile = path.join(scratch, `${n}-${pair.id}.key.pem`);
				const certFile = path.join(scratch, `${n}-${pair.id}.cert.der`);
				writeFileSync(keyFile, pem("PRIVATE KEY", pair.key), { mode: 0o600 });
				writeFileSync(certFile, Buffer.from(pair.der, "base64"));
				const objectLabel = `${card.id} ${pair.name}`;
				run("softhsm2-util", ["--import", keyFile, "--token", label, "--label", objectLabel, "--id", pair.id, "--pin", card.pin]);
				run("pkcs11-tool", ["--module", module, "--token-label", label, "--login", "--pin", card.pin, "--write-object", certFile, "--type", "cert", "--id", pair.id, "--label", objectLabel]);
				rmSync(keyFile);
			}
			card.chainDer.forEach((der, i) => {
				const caFile = path.join(scratch, `${n}-ca-${i}.cert.der`);
				writeFileSync(caFile, Buffer.from(der, "base64"));
				run("pkcs11-tool", ["--module", module, "--token-label", label, "--login", "--pin", card.pin, "--write-object", caFile, "--type", "cert", "--id", (0x10 + i).toString(16), "--label", `${card.id} CA ${i + 1}`]);
			});
			return { cardId: card.id, label, serial: tokenSerial(run("softhsm2-util", ["--show-slots"]), label) };
		});
		return { conf, module, tokens };
	} finally {
		rmSync(scratch, { recursive: true, force: true });
	}
}

/** The serial number softhsm2-util --show-slots prints for the token labelled `label`. */
function tokenSerial(slots: string, label: string): string {
	for (const block of slots.split(/\n(?=Slot )/)) {
		if (!new RegExp(`^\\s*Label:\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`, "m").test(block)) continue;
		const serial = /^\s*Serial number:\s*(\S+)/m.exec(block)?.[1];
		if (serial) return serial;
	}
	throw new Error(`softhsm2-util --show-slots does not list the token ${label}`);
}

export function readDevCertificates(file = CERTS_FILE): ReaderCertificate[] {
	if (!existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run seed\` (or \`npm start\`) first, which makes the dev PKI.`);
	const certs: unknown = JSON.parse(readFileSync(file, "utf8"));
	if (!Array.isArray(certs)) throw new Error(`${file} is not a list of certificate cards`);
	// Written by scripts/dev-pki.ts; an older file lacks the encryption certificates.
	const cards = certs as ReaderCertificate[];
	if (cards.some((c) => c.encryption === undefined || c.chainDer === undefined)) throw new Error(`${path.relative(ROOT, file)} predates the cards' encryption certificates or issuing CAs: run \`node scripts/dev-pki.ts --rebuild\`, then \`npm run seed\`.`);
	return cards;
}

if (import.meta.main) {
	try {
		const { values, positionals } = parseArgs({ options: { dir: { type: "string" } }, allowPositionals: true });
		const dir = path.resolve(values.dir ?? DEFAULT_DIR);
		const all = readDevCertificates();
		const ids = positionals.length > 0 ? positionals : DEFAULT_CARDS;
		const cards = ids.map((id) => {
			const card = all.find((c) => c.id === id);
			if (!card) throw new Error(`no certificate card ${id} in .reader-keys/certs.json (ids: ${all.map((c) => c.id).join(", ")})`);
			return card;
		});
		const made = writeSofthsmTokens(dir, cards);
		for (const t of made.tokens) console.log(`token ${t.label} (serial ${t.serial}): signing + encryption certificate, PIN ${cards.find((c) => c.id === t.cardId)?.pin ?? "?"}`);
		const conf = path.relative(ROOT, made.conf);
		console.log(`\nStart the reader helper on these tokens:\n  SOFTHSM2_CONF=${conf} npm run reader -- --backend pkcs11 --pkcs11-module ${made.module}`);
	} catch (err) {
		console.error(err instanceof Error ? err.message : String(err));
		process.exitCode = 1;
	}
}
