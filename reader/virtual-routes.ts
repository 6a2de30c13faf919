// The virtual reader's own routes: the page, its static files and the insert / remove endpoints that
// the page, tests and browser tests drive. They change which card is "in the reader", so a portal page
// must never reach them: only the helper's own origin or a request without Origin (a person typing the
// URL, a test's HTTP client) gets through; no CORS headers are ever sent here.

import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { z } from "zod";
import type { InsertedCard, VirtualBackend } from "./backends/virtual.ts";
import { ReaderError } from "./errors.ts";
import { readJsonBody, sendHtml, sendJson, sendStatic, type Headers } from "./http.ts";
import { renderVirtualPage } from "./virtual-page.ts";

const PUBLIC_DIR = path.join(import.meta.dirname, "public");
const VIRTUAL_JS = readFileSync(path.join(PUBLIC_DIR, "virtual.js"));
const VIRTUAL_CSS = readFileSync(path.join(PUBLIC_DIR, "virtual.css"));
const PAGE_HEADERS: Headers = {
	"Content-Security-Policy":
		"default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Frame-Options": "DENY",
	"Referrer-Policy": "no-referrer",
};

const insertBody = z.union([
	z.object({ cardNo: z.string().regex(/^\d{12}$/) }),
	z.object({ certId: z.string().min(1).max(128) }),
]);

export function isVirtualPath(pathname: string): boolean {
	return pathname === "/virtual" || pathname === "/virtual.js" || pathname === "/virtual.css" || pathname.startsWith("/virtual/");
}

/** What the control endpoints answer: the inserted card, without keys or PINs. */
function describe(inserted: InsertedCard | null): Record<string, string> | null {
	if (inserted === null) return null;
	if (inserted.kind === "nhi") return { kind: "nhi", cardNo: inserted.card.cardNo, name: inserted.card.name };
	return { kind: inserted.cert.kind, certId: inserted.cert.id, subject: inserted.cert.subject };
}

/**
 * Same-origin or no Origin at all. For state-changing requests, Fetch Metadata must also say the
 * request did not come from another site (browsers send it even where they omit Origin).
 */
function checkCaller(req: IncomingMessage, ownOrigins: readonly string[], changesState: boolean): void {
	const origin = req.headers.origin;
	if (origin !== undefined && !ownOrigins.includes(origin)) throw new ReaderError("ORIGIN_NOT_ALLOWED");
	const site = req.headers["sec-fetch-site"];
	if (changesState && site !== undefined && site !== "same-origin" && site !== "none") throw new ReaderError("ORIGIN_NOT_ALLOWED");
}

export async function handleVirtualRoute(
	req: IncomingMessage,
	res: ServerResponse,
	url: URL,
	backend: VirtualBackend,
	ownOrigins: readonly string[],
): Promise<void> {
	const route = `${req.method ?? ""} ${url.pathname}`;
	checkCaller(req, ownOrigins, req.method !== "GET" && req.method !== "HEAD");
	switch (route) {
		case "GET /virtual":
			return sendHtml(res, await renderVirtualPage(backend, url.searchParams.get("q") ?? ""), PAGE_HEADERS);
		case "GET /virtual.js":
			return sendStatic(res, "text/javascript; charset=utf-8", VIRTUAL_JS);
		case "GET /virtual.css":
			return sendStatic(res, "text/css; charset=utf-8", VIRTUAL_CSS);
		case "GET /virtual/state":
			return sendJson(res, 200, { inserted: describe(backend.inserted) });
		case "POST /virtual/insert": {
			const body = insertBody.safeParse(await readJsonBody(req));
			if (!body.success) throw new ReaderError("BAD_REQUEST", "請提供 cardNo（12 位數卡號）或 certId。");
			const inserted = "cardNo" in body.data ? backend.insertNhiCard(body.data.cardNo) : backend.insertCertificateCard(body.data.certId);
			return sendJson(res, 200, { inserted: describe(inserted) });
		}
		case "POST /virtual/remove":
			await readJsonBody(req);
			backend.remove();
			return sendJson(res, 200, { inserted: null });
		default:
			throw new ReaderError(["/virtual", "/virtual/insert", "/virtual/remove", "/virtual/state"].includes(url.pathname) ? "METHOD_NOT_ALLOWED" : "NOT_FOUND");
	}
}
