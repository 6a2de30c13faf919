// The helper's network boundary: loopback only, Host pinned, /v1 only for allowlisted origins (CORS and
// the Private Network Access preflight), and nothing — no CORS header, no card data — for anyone else.

import assert from "node:assert/strict";
import { request } from "node:http";
import { networkInterfaces } from "node:os";
import { after, before, describe, it } from "node:test";
import { MAX_BODY_BYTES } from "../http.ts";
import { call, FOREIGN_ORIGIN, field, isCorsHeader, type KeysDir, makeKeysDir, OTHER_ALLOWED_ORIGIN, PORTAL_ORIGIN, startTestReader } from "./fixtures.ts";

let keys: KeysDir;
before(async () => {
	keys = await makeKeysDir();
});
after(() => keys.remove());

const CHALLENGE = "q7bM3y9VdJx2Rk8LwNf0TzHc5Gs1Ae4P";

function corsHeaders(headers: Record<string, unknown>): string[] {
	return Object.keys(headers).filter(isCorsHeader);
}

describe("network boundary", () => {
	it("listens on 127.0.0.1 only, not on the PC's other addresses", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		assert.match(reader.url, /^http:\/\/127\.0\.0\.1:\d+$/);
		const external = Object.values(networkInterfaces())
			.flat()
			.find((i) => i !== undefined && i.family === "IPv4" && !i.internal);
		if (!external) {
			t.skip("this machine has no non-loopback IPv4 address to try");
			return;
		}
		const outcome = await new Promise<string>((resolve) => {
			const req = request({ host: external.address, port: reader.port, path: "/v1/status", timeout: 2_000 }, () => resolve("answered"));
			req.on("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? "error"));
			req.on("timeout", () => req.destroy(Object.assign(new Error("timeout"), { code: "ETIMEDOUT" })));
			req.end();
		});
		assert.notEqual(outcome, "answered");
	});

	it("answers a foreign origin with 403, no CORS headers and no card data, even with a card inserted", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const card = keys.cards[0];
		assert.ok(card);
		reader.backend.insertNhiCard(card.cardNo);

		for (const [method, pathname, body] of [
			["GET", "/v1/status", undefined],
			["POST", "/v1/nhi-card/read", {}],
			["POST", "/v1/nhi-card/sign", { challenge: CHALLENGE }],
			["GET", "/v1/certificates", undefined],
		] as const) {
			const reply = await call(reader, method, pathname, { origin: FOREIGN_ORIGIN, body });
			assert.equal(reply.status, 403, `${method} ${pathname}`);
			assert.deepEqual(corsHeaders(reply.headers), [], `${method} ${pathname} sent CORS headers`);
			assert.equal(field(reply, "error", "code"), "ORIGIN_NOT_ALLOWED");
			for (const secret of [card.cardNo, card.name, card.idNo, "signature"]) assert.ok(!reply.text.includes(secret), `${pathname} leaked ${secret}`);
		}
		assert.ok(reader.logs.some((l) => l.includes(FOREIGN_ORIGIN)), "the refusal is logged for the person at the PC");
	});

	it("refuses API calls without an Origin header", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const reply = await call(reader, "GET", "/v1/status");
		assert.equal(reply.status, 403);
		assert.deepEqual(corsHeaders(reply.headers), []);
	});

	it("refuses a foreign origin's preflight without CORS headers", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const reply = await call(reader, "OPTIONS", "/v1/nhi-card/sign", {
			origin: FOREIGN_ORIGIN,
			headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Private-Network": "true" },
		});
		assert.equal(reply.status, 403);
		assert.deepEqual(corsHeaders(reply.headers), []);
	});

	it("refuses a Host that is not the loopback address (DNS rebinding)", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const reply = await call(reader, "GET", "/v1/status", { origin: `http://rebind.example:${reader.port}`, host: `rebind.example:${reader.port}` });
		assert.equal(reply.status, 403);
		const page = await call(reader, "GET", "/virtual", { host: `rebind.example:${reader.port}` });
		assert.equal(page.status, 403);
		assert.ok(!page.text.includes(keys.cards[0]?.name ?? "?"));
	});

	it("answers an allowed origin's Private Network Access preflight", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const reply = await call(reader, "OPTIONS", "/v1/nhi-card/sign", {
			origin: PORTAL_ORIGIN,
			headers: { "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type", "Access-Control-Request-Private-Network": "true" },
		});
		assert.equal(reply.status, 204);
		assert.equal(reply.headers["access-control-allow-origin"], PORTAL_ORIGIN);
		assert.equal(reply.headers["access-control-allow-private-network"], "true");
		assert.match(String(reply.headers["access-control-allow-methods"]), /POST/);
		assert.match(String(reply.headers["access-control-allow-headers"]), /Content-Type/i);
		assert.equal(reply.headers.vary, "Origin");
	});

	it("echoes each allowed origin, never a wildcard", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		for (const origin of [PORTAL_ORIGIN, OTHER_ALLOWED_ORIGIN]) {
			const reply = await call(reader, "GET", "/v1/status", { origin });
			assert.equal(reply.status, 200);
			assert.equal(reply.headers["access-control-allow-origin"], origin);
			assert.equal(reply.headers.vary, "Origin");
		}
	});

	it("gives allowed origins readable JSON errors for bad requests", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const tooBig = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: "x".repeat(MAX_BODY_BYTES) } });
		assert.equal(tooBig.status, 413);
		assert.equal(tooBig.headers["access-control-allow-origin"], PORTAL_ORIGIN);
		const form = await call(reader, "POST", "/v1/nhi-card/sign", {
			origin: PORTAL_ORIGIN,
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			rawBody: `challenge=${CHALLENGE}`,
		});
		assert.equal(form.status, 415);
		const badJson = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, headers: { "Content-Type": "application/json" }, rawBody: "{" });
		assert.equal(field(badJson, "error", "code"), "BAD_REQUEST");
		const shortChallenge = await call(reader, "POST", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN, body: { challenge: "abc" } });
		assert.equal(field(shortChallenge, "error", "code"), "BAD_REQUEST");
		const unknown = await call(reader, "GET", "/v1/nothing", { origin: PORTAL_ORIGIN });
		assert.equal(unknown.status, 404);
		const wrongMethod = await call(reader, "GET", "/v1/nhi-card/sign", { origin: PORTAL_ORIGIN });
		assert.equal(wrongMethod.status, 405);
	});
});
