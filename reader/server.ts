// The local reader helper's HTTP server (SPEC §8), in the manner of NHI's card component or 中華電信
// HiPKI Local Server: portal pages call it on http://127.0.0.1:<port>. Defences, in request order:
// 1. it binds to 127.0.0.1 only, so nothing off this PC reaches it;
// 2. the Host header must name 127.0.0.1 / localhost and our port (DNS rebinding cannot borrow the socket);
// 3. /v1 answers only Origins on the allowlist; any other Origin, or none, gets 403 with no CORS headers
//    and no card data. CORS and the Private Network Access preflight are answered for allowed origins;
// 4. the signed payloads carry the requesting Origin (payloads.ts), so a relayed challenge is useless.
// PINs travel from the request body to the backend's card and nowhere else: bodies are never logged.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { z } from "zod";
import type { VirtualBackend } from "./backends/virtual.ts";
import type { CardBackend } from "./card.ts";
import { errorBody, ReaderError } from "./errors.ts";
import { type Headers, readJsonBody, sendJson } from "./http.ts";
import { certificatePayload, nhiCardPayload } from "./payloads.ts";
import { handleVirtualRoute, isVirtualPath } from "./virtual-routes.ts";

export const DEFAULT_PORT = 61161;
export const DEFAULT_ALLOWED_ORIGINS = ["http://127.0.0.1:8787", "http://localhost:8787"];
const LOOPBACK = "127.0.0.1";

export type ReaderServerOptions = {
	backend: CardBackend;
	/** The virtual backend's insert / remove surface; set only when that backend runs. */
	virtual?: VirtualBackend;
	allowedOrigins: readonly string[];
	/** 0 picks a free port (tests). */
	port?: number;
	log?: (line: string) => void;
};

export type RunningReader = { url: string; port: number; close(): Promise<void> };

/** A server challenge: base64url without padding, 96 bits at least. */
const challenge = z.string().regex(/^[A-Za-z0-9_-]{16,512}$/);
const nhiSignBody = z.object({ challenge });
const certificateSignBody = z.object({
	id: z.string().min(1).max(128),
	// MOICA and MOEACA PINs are 6–8 characters; the card is the judge, this only bounds the input.
	pin: z.string().regex(/^[\x21-\x7e]{4,16}$/),
	challenge,
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
	const result = schema.safeParse(value);
	if (!result.success) throw new ReaderError("BAD_REQUEST", `請求格式不正確：${result.error.issues.map((i) => i.path.join(".") || "body").join("、")}`);
	return result.data;
}

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

type ApiHandler = (req: IncomingMessage, origin: string) => Promise<unknown>;
type Serial = <T>(op: () => Promise<T>) => Promise<T>;

/** Runs card operations one at a time, as a card in a reader can only do; bodies are read before queueing. */
function serialQueue(): Serial {
	let tail: Promise<unknown> = Promise.resolve();
	return (op) => {
		const run = tail.then(op, op);
		tail = run.catch(() => undefined);
		return run;
	};
}

function apiRoutes(backend: CardBackend, serial: Serial): Record<string, Partial<Record<"GET" | "POST", ApiHandler>>> {
	return {
		"/v1/status": {
			GET: async () => ({ ...(await serial(() => backend.status())), backend: backend.name }),
		},
		"/v1/nhi-card/read": {
			POST: async (req) => {
				await readJsonBody(req);
				return serial(() => backend.readNhiCard());
			},
		},
		"/v1/nhi-card/sign": {
			POST: async (req, origin) => {
				const body = parse(nhiSignBody, await readJsonBody(req));
				return serial(async () => {
					const basic = await backend.readNhiCard();
					const signature = await backend.signNhiChallenge(nhiCardPayload(origin, body.challenge, basic.cardNo));
					return { basic, origin, signature: base64url(signature) };
				});
			},
		},
		// Only signing certificates are offered: a card's encryption certificate cannot sign in (certificates.ts).
		"/v1/certificates": {
			GET: async () => {
				const certs = await serial(() => backend.listCertificates());
				return certs.filter((c) => c.canSign).map((c) => ({ id: c.id, kind: c.kind, subject: c.subject, certificate: base64(c.certificate) }));
			},
		},
		"/v1/certificates/sign": {
			POST: async (req, origin) => {
				const body = parse(certificateSignBody, await readJsonBody(req));
				const result = await serial(async () => {
					const cert = (await backend.listCertificates()).find((c) => c.id === body.id);
					if (!cert) throw new ReaderError("CARD_NOT_FOUND", "插入的卡片上沒有指定的憑證。");
					if (!cert.canSign) throw new ReaderError("CARD_NOT_FOUND", "此憑證為加密用憑證，不能用於簽章登入；請使用卡片上的簽章用憑證。");
					return backend.signWithCertificate(body.id, body.pin, certificatePayload(origin, body.challenge));
				});
				return { certificate: base64(result.certificate), chain: result.chain.map(base64), origin, signature: base64url(result.signature) };
			},
		},
	};
}

export async function startReaderServer(options: ReaderServerOptions): Promise<RunningReader> {
	const { backend, virtual, allowedOrigins } = options;
	const log = options.log ?? ((line: string) => console.log(line));
	const routes = apiRoutes(backend, serialQueue());
	let hosts: string[] = [];
	let ownOrigins: string[] = [];

	async function handle(req: IncomingMessage, res: ServerResponse, cors: { headers: Headers }): Promise<void> {
		const host = req.headers.host ?? "";
		if (!hosts.includes(host)) throw new ReaderError("ORIGIN_NOT_ALLOWED");
		const url = new URL(req.url ?? "/", `http://${host}`);

		if (url.pathname.startsWith("/v1/")) {
			const origin = req.headers.origin;
			if (origin === undefined || !allowedOrigins.includes(origin)) {
				log(`已拒絕來源 ${JSON.stringify(origin ?? "(無 Origin)")} 的請求 ${req.method ?? ""} ${url.pathname}`);
				throw new ReaderError("ORIGIN_NOT_ALLOWED");
			}
			cors.headers = { "Access-Control-Allow-Origin": origin, Vary: "Origin" };
			if (req.method === "OPTIONS") {
				const preflight: Headers = {
					...cors.headers,
					"Access-Control-Allow-Methods": "GET, POST",
					"Access-Control-Allow-Headers": "Content-Type",
					"Access-Control-Max-Age": "600",
				};
				// Private Network Access: a public page asking for a loopback address must be let in explicitly.
				if (req.headers["access-control-request-private-network"] === "true") preflight["Access-Control-Allow-Private-Network"] = "true";
				res.writeHead(204, preflight);
				res.end();
				return;
			}
			const methods = routes[url.pathname];
			if (!methods) throw new ReaderError("NOT_FOUND");
			const handler = req.method === "GET" || req.method === "POST" ? methods[req.method] : undefined;
			if (!handler) throw new ReaderError("METHOD_NOT_ALLOWED");
			return sendJson(res, 200, await handler(req, origin), cors.headers);
		}

		if (virtual && isVirtualPath(url.pathname)) return handleVirtualRoute(req, res, url, virtual, ownOrigins);
		throw new ReaderError("NOT_FOUND");
	}

	const server = createServer((req, res) => {
		const cors: { headers: Headers } = { headers: {} };
		handle(req, res, cors).catch((err: unknown) => {
			const error = err instanceof ReaderError ? err : new ReaderError("INTERNAL");
			if (!(err instanceof ReaderError)) log(`內部錯誤：${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
			else if (error.status >= 500) log(`${error.code}：${error.message}`);
			if (res.headersSent) {
				res.destroy();
				return;
			}
			// An oversized body is not drained: the connection is closed instead.
			const headers: Headers = error.code === "PAYLOAD_TOO_LARGE" ? { ...cors.headers, Connection: "close" } : cors.headers;
			sendJson(res, error.status, errorBody(error), error.code === "ORIGIN_NOT_ALLOWED" ? {} : headers);
		});
	});
	server.requestTimeout = 30_000;
	server.headersTimeout = 10_000;

	await new Promise<void>((resolve, reject) => {
		server.once("error", reject);
		server.listen({ host: LOOPBACK, port: options.port ?? DEFAULT_PORT }, () => {
			server.off("error", reject);
			resolve();
		});
	});
	const address = server.address();
	if (address === null || typeof address === "string") throw new Error("the reader helper's server has no TCP address");
	const { port } = address;
	hosts = [`${LOOPBACK}:${port}`, `localhost:${port}`];
	ownOrigins = hosts.map((h) => `http://${h}`);

	return {
		url: `http://${LOOPBACK}:${port}`,
		port,
		async close() {
			await new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			});
			await backend.close();
		},
	};
}
