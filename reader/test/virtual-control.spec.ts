// The virtual reader's insert / remove page and endpoints: usable by a person at the PC and by tests,
// never by a portal page (or any other site) across origins.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { call, field, FOREIGN_ORIGIN, isCorsHeader, type KeysDir, makeKeysDir, MOEACA_MANAGER_ID, PORTAL_ORIGIN, startTestReader } from "./fixtures.ts";

let keys: KeysDir;
before(async () => {
	keys = await makeKeysDir();
});
after(() => keys.remove());

function cardNo(i: number): string {
	const card = keys.cards[i];
	assert.ok(card);
	return card.cardNo;
}

describe("virtual reader controls", () => {
	it("inserts, switches and removes cards for callers without an Origin (tests, curl)", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const inserted = await call(reader, "POST", "/virtual/insert", { body: { cardNo: cardNo(0) } });
		assert.deepEqual(inserted.json, { inserted: { kind: "nhi", cardNo: cardNo(0), name: "陳怡君" } });
		const switched = await call(reader, "POST", "/virtual/insert", { body: { certId: keys.certs[1]?.id } });
		assert.equal(field(switched, "inserted", "kind"), "moeaca");
		assert.ok(!switched.text.includes(keys.certs[1]?.pin ?? "?"), "no PIN in the answer");
		assert.deepEqual((await call(reader, "GET", "/virtual/state")).json, { inserted: { kind: "moeaca", certId: "moeaca-shumei", subject: "CN=數美科技股份有限公司, C=TW" } });
		assert.deepEqual((await call(reader, "POST", "/virtual/remove")).json, { inserted: null });
		assert.equal(reader.backend.inserted, null);
	});

	it("accepts the page's own same-origin requests", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const reply = await call(reader, "POST", "/virtual/insert", {
			origin: reader.url,
			headers: { "Sec-Fetch-Site": "same-origin" },
			body: { cardNo: cardNo(1) },
		});
		assert.equal(reply.status, 200);
		assert.equal(reader.backend.inserted?.kind, "nhi");
	});

	it("refuses insert and remove from a portal page or any other origin, without CORS headers", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		reader.backend.insertNhiCard(cardNo(0));
		for (const origin of [PORTAL_ORIGIN, FOREIGN_ORIGIN]) {
			const insert = await call(reader, "POST", "/virtual/insert", { origin, body: { cardNo: cardNo(1) } });
			assert.equal(insert.status, 403, origin);
			assert.deepEqual(Object.keys(insert.headers).filter(isCorsHeader), []);
			const remove = await call(reader, "POST", "/virtual/remove", { origin });
			assert.equal(remove.status, 403, origin);
			const preflight = await call(reader, "OPTIONS", "/virtual/insert", { origin, headers: { "Access-Control-Request-Method": "POST" } });
			assert.deepEqual(Object.keys(preflight.headers).filter(isCorsHeader), []);
			const state = await call(reader, "GET", "/virtual/state", { origin });
			assert.equal(state.status, 403);
		}
		// A cross-site request that omits Origin is still caught by Fetch Metadata.
		const sneaky = await call(reader, "POST", "/virtual/remove", { headers: { "Sec-Fetch-Site": "same-site" } });
		assert.equal(sneaky.status, 403);
		assert.equal(reader.backend.inserted?.kind === "nhi" && reader.backend.inserted.card.cardNo, cardNo(0), "the card stayed in");
	});

	it("serves the page with its script and style from the helper itself, escaped, with a strict CSP", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const page = await call(reader, "GET", "/virtual?q=%3Cscript%3E");
		assert.equal(page.status, 200);
		assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
		assert.match(String(page.headers["content-security-policy"]), /frame-ancestors 'none'/);
		assert.ok(page.text.includes("&lt;script&gt;林志明&lt;/script&gt;"), "the card holder's name is escaped");
		assert.ok(!page.text.includes("<script>林志明"));
		assert.ok(page.text.includes('value="&lt;script&gt;"'), "the query is escaped");
		assert.ok(page.text.includes("B12345****"), "IDs are masked");
		assert.ok(!page.text.includes("B123456789"));
		assert.deepEqual(page.text.match(/<script\b[^>]*>/g), ['<script src="/virtual.js" defer>'], "no inline script");
		assert.equal((await call(reader, "GET", "/virtual.js")).status, 200);
		assert.equal((await call(reader, "GET", "/virtual.css")).status, 200);
	});

	it("shows beside each certificate card the demo ID number to type at sign-in, while NHI cards' IDs stay masked", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const page = await call(reader, "GET", "/virtual");
		const row = (certId: string) => page.text.split("<tr>").find((r) => r.includes(`data-cert-id="${certId}"`)) ?? "";
		assert.match(row("moica-wang"), />A123456789</, "the 自然人憑證 holder's own ID");
		assert.match(row("moeaca-shumei"), new RegExp(`>${MOEACA_MANAGER_ID}<`), "the ID of the unit manager who signs in with the 工商憑證");
		assert.match(row("moeaca-shumei"), /統一編號 04595257/);
		assert.ok(page.text.includes("B12345****") && !page.text.includes("B123456789"), "NHI cards are read, not typed: their IDs stay masked");
	});

	it("finds cards by name, ID prefix, masked ID or card number", async (t) => {
		const reader = await startTestReader(keys.dir);
		t.after(() => reader.close());
		const names = (q: string) => reader.backend.searchNhiCards(q, 50).cards.map((c) => c.cardNo);
		assert.deepEqual(names("怡君"), [cardNo(0)]);
		assert.deepEqual(names("a23456"), [cardNo(0)]);
		assert.deepEqual(names("B12345****"), [cardNo(1)]);
		assert.deepEqual(names("00008765"), [cardNo(1)]);
		assert.deepEqual(names(""), [cardNo(0), cardNo(1)]);
		assert.equal(reader.backend.searchNhiCards("", 1).total, 2);
	});
});
