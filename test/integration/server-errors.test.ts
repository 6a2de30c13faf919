// A fault on the server (a 5xx): its stack goes to the server's log, for whoever must find it, and
// never to the person who hit it (STYLE 4: one renderer; never send a stack to a client).
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { newApp } from "../../workers/app.tsx";

function appThatFails() {
	const app = newApp();
	app.get("/test-fault", () => {
		throw new Error("disk on fire");
	});
	return app;
}

describe("a server fault", () => {
	afterEach(() => vi.restoreAllMocks());

	it("logs its stack on the server and shows the person only 系統發生錯誤 (page and JSON)", async () => {
		const logged: string[] = [];
		vi.spyOn(console, "error").mockImplementation((line: unknown) => void logged.push(String(line)));
		const app = appThatFails();

		const page = await app.request("/test-fault", {}, env);
		expect(page.status).toBe(500);
		const html = await page.text();
		expect(html).toContain("系統發生錯誤，請稍後再試。");
		expect(html).not.toContain("disk on fire");
		expect(html).not.toContain("server-errors.test.ts");

		const json = await app.request("/test-fault", { headers: { Accept: "application/json" } }, env);
		expect(json.status).toBe(500);
		expect(await json.json()).toEqual({ error: { code: "INTERNAL", message: "系統發生錯誤，請稍後再試。" } });

		expect(logged).toHaveLength(2);
		const entry = JSON.parse(logged[0] ?? "{}") as { requestId?: string; error?: string; stack?: string };
		expect(entry.error).toBe("Error: disk on fire");
		expect(entry.requestId).toMatch(/\S/);
		expect(entry.stack).toContain("disk on fire");
		expect(entry.stack).toContain("server-errors.test.ts");
	});
});
