// Static assets (SPEC §7, issue 14.5): /js/* and /css/* come from the assets layer without running the
// Worker, so their security headers come from web/public/_headers. Fetched here from the assets layer
// itself (the ASSETS binding: the test runner's entry point does not route to assets).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("static assets", () => {
	it("serves the pages' scripts and styles with nosniff, HSTS, no framing and a CSP of their own", async () => {
		for (const path of ["/js/reader-client.js", "/js/sign-in.js", "/css/app.css"]) {
			const res = await env.ASSETS.fetch(`https://portal.test${path}`);
			expect([path, res.status]).toEqual([path, 200]);
			await res.arrayBuffer();
			expect([path, res.headers.get("X-Content-Type-Options")]).toEqual([path, "nosniff"]);
			expect([path, res.headers.get("Strict-Transport-Security")]).toEqual([path, "max-age=63072000; includeSubDomains"]);
			expect([path, res.headers.get("X-Frame-Options")]).toEqual([path, "DENY"]);
			expect([path, res.headers.get("Content-Security-Policy")]).toEqual([path, expect.stringContaining("frame-ancestors 'none'")]);
		}
	});

	it("does not serve the _headers file itself", async () => {
		const res = await env.ASSETS.fetch("https://portal.test/_headers");
		await res.arrayBuffer();
		expect(res.status).toBe(404);
	});
});
