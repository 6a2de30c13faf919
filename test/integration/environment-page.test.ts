// 環境說明 (GET /environment) and the reader-helper hints of the other pages, per environment (issue 15
// item 2): the developers' `npm run reader` appears only in development; elsewhere the pages point to
// 環境說明, which shows the port from READER_URL, this portal's origin for --allow-origin, and the
// download link when one is configured.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { newApp } from "../../workers/app.tsx";

const BASE = "https://portal.test";

async function page(path: string, vars: Record<string, string> = {}): Promise<{ status: number; html: string }> {
	const res = await newApp().request(`${BASE}${path}`, {}, { ...env, ...vars });
	return { status: res.status, html: await res.text() };
}

describe("環境說明", () => {
	it("is public and gives the helper's port, this portal's origin and a start command per OS", async () => {
		const { status, html } = await page("/environment", { READER_URL: "http://127.0.0.1:61161" });
		expect(status).toBe(200);
		expect(html).toContain("健保卡網路服務註冊-環境說明");
		expect(html).toContain('<td id="reader-port">61161</td>');
		expect(html).toContain(`<td id="portal-origin">${BASE}</td>`);
		for (const os of ["Windows 10 / 11", "macOS 13 以上", "Linux（Debian / Ubuntu）"]) expect(html).toContain(os);
		expect(html.match(/npm run reader -- --backend pcsc --port 61161 --allow-origin https:\/\/portal\.test/g)).toHaveLength(3);
		expect(html).toContain('id="reader-check"');
	});

	it("links the configured download, and says whom to ask when there is none (outside development)", async () => {
		const linked = await page("/environment", { ENVIRONMENT: "production", READER_DOWNLOAD_URL: "https://downloads.example.tw/nhi-reader.zip" });
		expect(linked.html).toContain('<a class="button" id="reader-download" href="https://downloads.example.tw/nhi-reader.zip">');
		const none = await page("/environment", { ENVIRONMENT: "production" });
		expect(none.html).toContain('id="reader-download-missing"');
		expect(none.html).not.toContain('id="dev-environment"');
	});

	it("outside development, only 環境說明 itself speaks of npm; the sign-in page links 環境說明 and 重寄認證信", async () => {
		for (const path of ["/sign-in", "/sign-in?method=moica", "/verify", "/verify/resend", "/"]) {
			const { html } = await page(path, { ENVIRONMENT: "production" });
			expect(html, path).not.toContain("npm ");
			expect(html, path).not.toContain('data-environment="development"');
		}
		expect((await page("/environment", { ENVIRONMENT: "production" })).html).not.toContain('data-environment="development"');
		const { html } = await page("/sign-in", { ENVIRONMENT: "production" });
		expect(html).toContain('<a href="/environment">環境說明</a>');
		expect(html).toContain('<a href="/verify/resend">重寄認證信</a>');
	});

	it("in development, the pages name the npm scripts and mark <body> so the reader client does too", async () => {
		const { html } = await page("/sign-in", { ENVIRONMENT: "development" });
		expect(html).toContain("<code>npm run reader</code>");
		expect(html).toContain('<body data-environment="development">');
	});
});
