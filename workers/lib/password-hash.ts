// 註冊密碼 storage (SPEC §6): PBKDF2-HMAC-SHA256, at least 600,000 iterations in total (OWASP's figure
// for PBKDF2-HMAC-SHA256), with a 16-byte random salt and the parameters stored next to the hash.
//
// Production Workers refuse a single crypto.subtle.deriveBits PBKDF2 call of more than 100,000
// iterations, so the total is done as a chain of calls of at most PBKDF2_ITERATIONS_PER_CALL each:
//
//   d_1 = PBKDF2-HMAC-SHA256(password = UTF-8(pw), salt, c_1, 32 bytes)
//   d_i = PBKDF2-HMAC-SHA256(password = d_(i-1),   salt, c_i, 32 bytes)   for i = 2 … n
//   hash = d_n,   c_1 + … + c_n = total,   every c_i = perCall except a smaller last one
//
// Each call's 32-byte output is the HMAC key of the next call, so the links must be computed one after
// the other: an attacker pays the same sequential `total` HMAC iterations per guess as with one call.
//
// Stored form: `pbkdf2-sha256$<total>$<per call>$<salt b64url>$<hash b64url>`. verifyPassword reads the
// iteration counts from the stored string, so raising PBKDF2_TOTAL_ITERATIONS later still verifies old
// hashes, and needsRehash() tells the caller when to store a fresh one.
import { base64url, fromBase64url } from "./crypto.ts";

const SCHEME = "pbkdf2-sha256";
/** The most iterations one deriveBits call may ask for on production Workers. */
export const PBKDF2_ITERATIONS_PER_CALL = 100_000;
/** Iterations in total for new hashes (the chain of calls above). */
export const PBKDF2_TOTAL_ITERATIONS = 600_000;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** A stored string asking for more than this is refused rather than run (it would only be a denial of service). */
const MAX_TOTAL_ITERATIONS = 10_000_000;

export type PasswordHashParams = { total: number; perCall: number; salt: Uint8Array<ArrayBuffer>; hash: Uint8Array<ArrayBuffer> };

export async function hashPassword(pw: string): Promise<string> {
	const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
	const hash = await chainedPbkdf2(pw, salt, PBKDF2_TOTAL_ITERATIONS, PBKDF2_ITERATIONS_PER_CALL);
	return [SCHEME, PBKDF2_TOTAL_ITERATIONS, PBKDF2_ITERATIONS_PER_CALL, base64url(salt), base64url(hash)].join("$");
}

/** True when `pw` matches the stored hash; false for a wrong password or a stored string it cannot read. */
export async function verifyPassword(pw: string, stored: string): Promise<boolean> {
	const params = parsePasswordHash(stored);
	if (!params) return false;
	const candidate = await chainedPbkdf2(pw, params.salt, params.total, params.perCall);
	return bytesEqual(candidate, params.hash);
}

/** True when the stored hash was made with weaker parameters than new hashes get. */
export function needsRehash(stored: string): boolean {
	const params = parsePasswordHash(stored);
	return !params || params.total < PBKDF2_TOTAL_ITERATIONS || params.salt.length < SALT_BYTES;
}

export function parsePasswordHash(stored: string): PasswordHashParams | null {
	const parts = stored.split("$");
	if (parts.length !== 5 || parts[0] !== SCHEME) return null;
	const total = Number(parts[1]);
	const perCall = Number(parts[2]);
	if (!Number.isSafeInteger(total) || total < 1 || total > MAX_TOTAL_ITERATIONS) return null;
	if (!Number.isSafeInteger(perCall) || perCall < 1 || perCall > PBKDF2_ITERATIONS_PER_CALL) return null;
	try {
		const salt = fromBase64url(parts[3] ?? "");
		const hash = fromBase64url(parts[4] ?? "");
		if (salt.length === 0 || hash.length !== HASH_BYTES) return null;
		return { total, perCall, salt, hash };
	} catch {
		return null;
	}
}

async function chainedPbkdf2(pw: string, salt: Uint8Array<ArrayBuffer>, total: number, perCall: number): Promise<Uint8Array<ArrayBuffer>> {
	let key = new Uint8Array(new TextEncoder().encode(pw));
	for (let done = 0; done < total; ) {
		const iterations = Math.min(perCall, total - done);
		const material = await crypto.subtle.importKey("raw", key, "PBKDF2", false, ["deriveBits"]);
		const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, HASH_BYTES * 8);
		key = new Uint8Array(bits);
		done += iterations;
	}
	return key;
}

/** Constant-time for equal lengths (the hash length is public). */
function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
	return diff === 0;
}
