import { afterEach, describe, expect, it, vi } from "vitest";
import {
	hashPassword,
	needsRehash,
	parsePasswordHash,
	PBKDF2_ITERATIONS_PER_CALL,
	PBKDF2_TOTAL_ITERATIONS,
	verifyPassword,
} from "../../workers/lib/password-hash.ts";
import { base64url } from "../../workers/lib/crypto.ts";

/** Every PBKDF2 deriveBits call's iteration count, while the spy is on. */
function spyOnDeriveBits(): number[] {
	const iterations: number[] = [];
	const original = crypto.subtle.deriveBits.bind(crypto.subtle);
	vi.spyOn(crypto.subtle, "deriveBits").mockImplementation((algorithm, baseKey, length) => {
		if (typeof algorithm === "object" && algorithm.name === "PBKDF2" && "iterations" in algorithm) {
			iterations.push(Number(algorithm.iterations));
		}
		return original(algorithm, baseKey, length);
	});
	return iterations;
}

afterEach(() => {
	vi.restoreAllMocks();
});

describe("註冊密碼 hashing", () => {
	it("never asks one deriveBits call for more than 100,000 iterations (production Workers refuse it), yet does ≥ 600,000 in all", async () => {
		const iterations = spyOnDeriveBits();
		const stored = await hashPassword("Abc123!x");
		expect(await verifyPassword("Abc123!x", stored)).toBe(true);
		expect(iterations.length).toBeGreaterThan(0);
		expect(Math.max(...iterations)).toBeLessThanOrEqual(100_000);
		// hash + verify: each does the whole chain.
		expect(iterations.reduce((a, b) => a + b, 0)).toBe(2 * PBKDF2_TOTAL_ITERATIONS);
		expect(PBKDF2_TOTAL_ITERATIONS).toBeGreaterThanOrEqual(600_000);
		expect(PBKDF2_ITERATIONS_PER_CALL).toBeLessThanOrEqual(100_000);
	});

	it("stores the scheme, both iteration counts, a 16-byte salt and the hash", async () => {
		const stored = await hashPassword("Abc123!x");
		expect(stored).toMatch(/^pbkdf2-sha256\$600000\$100000\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
		expect(parsePasswordHash(stored)?.salt).toHaveLength(16);
		expect(stored).not.toContain("Abc123!x");
	});

	it("salts: the same password hashes differently each time, and both verify", async () => {
		const [a, b] = await Promise.all([hashPassword("Abc123!x"), hashPassword("Abc123!x")]);
		expect(a).not.toBe(b);
		expect(await verifyPassword("Abc123!x", a)).toBe(true);
		expect(await verifyPassword("Abc123!x", b)).toBe(true);
	});

	it("refuses a wrong password, a near miss and a stored string it cannot read", async () => {
		const stored = await hashPassword("Abc123!x");
		expect(await verifyPassword("Abc123!X", stored)).toBe(false);
		expect(await verifyPassword("Abc123!", stored)).toBe(false);
		expect(await verifyPassword("Abc123!x", "plain:Abc123!x")).toBe(false);
		expect(await verifyPassword("Abc123!x", stored.replace("$100000$", "$200000$"))).toBe(false);
		expect(await verifyPassword("Abc123!x", "pbkdf2-sha256$999999999$100000$AAAA$AAAA")).toBe(false);
	});

	it("reads the parameters from the stored string, so hashes made with other counts still verify", async () => {
		// An older, weaker hash: 3 chained calls of 1,000 (the chain construction, done by hand).
		const salt = crypto.getRandomValues(new Uint8Array(16));
		let key: Uint8Array = new TextEncoder().encode("Abc123!x");
		for (const iterations of [1_000, 1_000, 500]) {
			const material = await crypto.subtle.importKey("raw", key, "PBKDF2", false, ["deriveBits"]);
			key = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, 256));
		}
		const old = `pbkdf2-sha256$2500$1000$${base64url(salt)}$${base64url(key)}`;
		expect(await verifyPassword("Abc123!x", old)).toBe(true);
		expect(await verifyPassword("Abc123!y", old)).toBe(false);
		expect(needsRehash(old)).toBe(true);
		expect(needsRehash(await hashPassword("Abc123!x"))).toBe(false);
	});
});
