// Small node:http helpers: a bounded JSON body reader and the JSON / HTML / script writers. Every
// response is `no-store`: card data must never sit in a browser or proxy cache.

import type { IncomingMessage, ServerResponse } from "node:http";
import { ReaderError } from "./errors.ts";

/** A challenge, an id and a PIN fit in well under 1 KB; 16 KB leaves room and still bounds memory. */
export const MAX_BODY_BYTES = 16 * 1024;

export type Headers = Record<string, string>;

/** Reads the body as JSON; an empty body is `{}`. Non-JSON content types and oversized bodies are refused. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
	const declared = Number(req.headers["content-length"] ?? "0");
	if (declared > MAX_BODY_BYTES) throw new ReaderError("PAYLOAD_TOO_LARGE");
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req) {
		const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
		size += buf.length;
		if (size > MAX_BODY_BYTES) throw new ReaderError("PAYLOAD_TOO_LARGE");
		chunks.push(buf);
	}
	if (size === 0) return {};
	const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
	if (type !== "application/json") throw new ReaderError("UNSUPPORTED_MEDIA_TYPE");
	try {
		return JSON.parse(Buffer.concat(chunks).toString("utf8"));
	} catch {
		throw new ReaderError("BAD_REQUEST", "請求內容不是有效的 JSON。");
	}
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Headers): void {
	res.writeHead(status, {
		...headers,
		"Content-Type": type,
		"Content-Length": String(Buffer.byteLength(body)),
		"Cache-Control": "no-store",
		"X-Content-Type-Options": "nosniff",
	});
	res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Headers = {}): void {
	send(res, status, "application/json; charset=utf-8", JSON.stringify(value), headers);
}

export function sendHtml(res: ServerResponse, html: string, headers: Headers = {}): void {
	send(res, 200, "text/html; charset=utf-8", html, headers);
}

/** A static file of the helper's own pages (public/). */
export function sendStatic(res: ServerResponse, contentType: string, body: Buffer): void {
	send(res, 200, contentType, body, {});
}
