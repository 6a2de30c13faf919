// A local stand-in for the Resend API, started once per `vitest run` (globalSetup runs in Node, the
// tests in workerd; the URL reaches them through provide/inject). It checks requests against
// Resend's documented shape and answers like Resend:
// - A User-Agent on every request (https://resend.com/docs/api-reference/introduction: "Requests
//   without this header will be rejected with a 403"; Cloudflare's plain-text "error code: 1010").
// - POST /emails and POST /emails/batch (https://resend.com/docs/api-reference/emails/send-email,
//   https://resend.com/docs/api-reference/emails/send-batch-emails): Bearer key, JSON body, at most
//   50 recipients, base64 attachments (not on the batch endpoint), at most 100 emails per batch.
// - `x-batch-validation: permissive` (https://resend.com/docs/dashboard/emails/batch-validation-modes):
//   the valid emails of a batch are sent, the invalid ones listed in `errors: [{ index, message }]`;
//   strict (the default) refuses the whole batch for one invalid email.
// - Idempotency-Key (https://resend.com/docs/dashboard/emails/idempotency-keys): the same key with
//   the same body answers the first response and sends nothing new; another body → 409
//   invalid_idempotent_request; a key of more than 256 characters → 400 invalid_idempotency_key.
// - Errors as JSON { statusCode, name, message } (https://resend.com/docs/api-reference/errors).
// - 429s as https://resend.com/docs/api-reference/errors lists them: rate_limit_exceeded (with
//   `retry-after: 1`), daily_quota_exceeded, monthly_quota_exceeded.
// Test hooks: POST /__script { idempotencyKey, statuses: [429, "daily_quota_exceeded", 500, …] } makes
// the next requests with that key fail with those answers, in order; GET /__requests lists every
// request received (with when, in epoch ms) and every email actually "sent"; any path under
// /__hangup/ drops the connection without an answer.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestProject } from "vitest/node";
import { z } from "zod";

declare module "vitest" {
	export interface ProvidedContext {
		resendBaseUrl: string;
	}
}

/** The RESEND_API_KEY binding vitest.config.ts gives the Worker under test. */
const API_KEY = "re_test_key";
const MAX_RECIPIENTS = 50;
const MAX_BATCH = 100;
const MAX_KEY_LENGTH = 256;

export type FakeResendRequest = {
	method: string;
	path: string;
	receivedAt: number;
	userAgent: string | null;
	batchValidation: string | null;
	authorization: string | null;
	contentType: string | null;
	idempotencyKey: string | null;
	body: unknown;
	status: number;
	answer: unknown;
};

export type FakeResendEmail = { id: string; idempotencyKey: string | null; email: Record<string, unknown> };

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
type Scripted = number | "daily_quota_exceeded" | "monthly_quota_exceeded";

class Rejection extends Error {
	constructor(
		readonly status: number,
		readonly errorName: string,
		message: string,
	) {
		super(message);
	}
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const requests: FakeResendRequest[] = [];
	const emails: FakeResendEmail[] = [];
	const scripted = new Map<string, Scripted[]>();
	const remembered = new Map<string, { fingerprint: string; answer: Answer }>();

	function sendApi(path: string, key: string | null, raw: string, permissive: boolean): Answer {
		const script = key === null ? undefined : scripted.get(key);
		const scriptedAnswer = script?.shift();
		if (scriptedAnswer !== undefined) return failure(scriptedAnswer);

		let body: unknown;
		try {
			body = JSON.parse(raw);
		} catch {
			throw new Rejection(400, "validation_error", "The request body is not valid JSON.");
		}
		const fingerprint = createHash("sha256").update(`${path}\n${raw}`).digest("hex");
		if (key !== null) {
			const seen = remembered.get(key);
			if (seen && seen.fingerprint === fingerprint) return seen.answer;
			if (seen) throw new Rejection(409, "invalid_idempotent_request", "This idempotency key was used with a different request.");
		}
		const answer = path === "/emails" ? sendOne(body, key) : sendMany(body, key, permissive);
		if (key !== null) remembered.set(key, { fingerprint, answer });
		return answer;
	}

	function sendOne(body: unknown, key: string | null): Answer {
		const email = checkEmail(body, { attachmentsAllowed: true });
		const id = randomUUID();
		emails.push({ id, idempotencyKey: key, email });
		return { status: 200, body: { id } };
	}

	function sendMany(body: unknown, key: string | null, permissive: boolean): Answer {
		if (!Array.isArray(body) || body.length === 0 || body.length > MAX_BATCH) {
			throw new Rejection(422, "validation_error", `A batch is an array of 1 to ${MAX_BATCH} emails.`);
		}
		if (!permissive) {
			// Strict: one invalid email refuses the whole batch, nothing is sent.
			const checked = body.map((b) => checkEmail(b, { attachmentsAllowed: false }));
			return { status: 200, body: { data: checked.map((email) => send(email, key)) } };
		}
		const data: { id: string }[] = [];
		const errors: { index: number; message: string }[] = [];
		body.forEach((b, index) => {
			try {
				data.push(send(checkEmail(b, { attachmentsAllowed: false }), key));
			} catch (err) {
				if (!(err instanceof Rejection)) throw err;
				errors.push({ index, message: err.message });
			}
		});
		return { status: 200, body: { data, errors } };
	}

	function send(email: Record<string, unknown>, key: string | null): { id: string } {
		const id = randomUUID();
		emails.push({ id, idempotencyKey: key, email });
		return { id };
	}

	const server = createServer((req, res) => {
		handle(req, res).catch((err: unknown) => reply(res, failure(500, String(err))));
	});

	async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const raw = await readBody(req);
		// Drops the connection without an answer, as a network failure would.
		if (req.url?.startsWith("/__hangup/")) return void req.socket.destroy();
		const path = new URL(req.url ?? "/", "http://fake").pathname;
		if (req.method === "GET" && path === "/__requests") return reply(res, { status: 200, body: { requests, emails } });
		if (req.method === "POST" && path === "/__script") {
			const { idempotencyKey, statuses } = scriptBody.parse(JSON.parse(raw));
			scripted.set(idempotencyKey, statuses);
			return reply(res, { status: 204, body: null });
		}

		const receivedAt = Date.now();
		const key = header(req, "idempotency-key");
		const batchValidation = header(req, "x-batch-validation");
		let answer: Answer;
		try {
			if (!header(req, "user-agent")) throw new Blocked();
			if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) {
				throw new Rejection(404, "not_found", "The requested endpoint does not exist.");
			}
			const auth = header(req, "authorization");
			if (!auth) throw new Rejection(401, "missing_api_key", "Missing API key in the authorization header.");
			if (auth !== `Bearer ${API_KEY}`) throw new Rejection(403, "invalid_api_key", "API key is invalid.");
			if (!header(req, "content-type")?.startsWith("application/json")) {
				throw new Rejection(400, "validation_error", "Content-Type must be application/json.");
			}
			if (key !== null && (key.length === 0 || key.length > MAX_KEY_LENGTH)) {
				throw new Rejection(400, "invalid_idempotency_key", "The key must be between 1-256 chars.");
			}
			if (batchValidation !== null && batchValidation !== "strict" && batchValidation !== "permissive") {
				throw new Rejection(422, "validation_error", "x-batch-validation must be strict or permissive.");
			}
			answer = sendApi(path, key, raw, batchValidation === "permissive");
		} catch (err) {
			if (err instanceof Blocked) answer = { status: 403, body: "error code: 1010", headers: { "content-type": "text/plain" } };
			else if (err instanceof Rejection) answer = { status: err.status, body: { statusCode: err.status, name: err.errorName, message: err.message } };
			else throw err;
		}
		let body: unknown = null;
		try {
			body = JSON.parse(raw);
		} catch {
			body = raw;
		}
		requests.push({
			method: req.method ?? "",
			path,
			receivedAt,
			userAgent: header(req, "user-agent"),
			batchValidation,
			authorization: header(req, "authorization"),
			contentType: header(req, "content-type"),
			idempotencyKey: key,
			body,
			status: answer.status,
			answer: answer.body,
		});
		reply(res, answer);
	}

	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const { port } = server.address() as AddressInfo;
	project.provide("resendBaseUrl", `http://127.0.0.1:${port}`);
	return () => new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}

/** Cloudflare's block in front of Resend (error 1010: no User-Agent), answered before the API sees the request. */
class Blocked extends Error {}

function failure(scripted: Scripted, message = "An unexpected error occurred."): Answer {
	if (scripted === "daily_quota_exceeded" || scripted === "monthly_quota_exceeded") {
		const period = scripted === "daily_quota_exceeded" ? "daily" : "monthly";
		return { status: 429, body: { statusCode: 429, name: scripted, message: `You have reached your ${period} email sending quota.` } };
	}
	const status = scripted;
	if (status === 429) {
		return {
			status,
			headers: { "retry-after": "1" },
			body: { statusCode: 429, name: "rate_limit_exceeded", message: "Too many requests. You can only make 2 requests per second." },
		};
	}
	return { status, body: { statusCode: status, name: "application_error", message } };
}

const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const NAMED_ADDRESS = /^[^<>]*<([^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)>$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const scriptBody = z.object({
	idempotencyKey: z.string(),
	statuses: z.array(z.union([z.number().int(), z.enum(["daily_quota_exceeded", "monthly_quota_exceeded"])])),
});
const EMAIL_FIELDS = new Set(["from", "to", "subject", "text", "html", "cc", "bcc", "reply_to", "headers", "attachments", "tags"]);

function isAddress(value: unknown): boolean {
	return typeof value === "string" && (ADDRESS.test(value) || NAMED_ADDRESS.test(value));
}

function checkEmail(body: unknown, { attachmentsAllowed }: { attachmentsAllowed: boolean }): Record<string, unknown> {
	if (typeof body !== "object" || body === null || Array.isArray(body)) {
		throw new Rejection(422, "validation_error", "The email must be a JSON object.");
	}
	const email = body as Record<string, unknown>;
	for (const field of Object.keys(email)) {
		if (!EMAIL_FIELDS.has(field)) throw new Rejection(422, "validation_error", `Unknown field \`${field}\`.`);
	}
	if (!isAddress(email.from)) throw new Rejection(422, "validation_error", "Invalid `from` field.");
	const to = typeof email.to === "string" ? [email.to] : email.to;
	if (!Array.isArray(to) || to.length === 0 || to.length > MAX_RECIPIENTS || !to.every(isAddress)) {
		throw new Rejection(
			422,
			"validation_error",
			"Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.",
		);
	}
	if (typeof email.subject !== "string" || email.subject.length === 0) {
		throw new Rejection(422, "validation_error", "Missing `subject` field.");
	}
	if (typeof email.text !== "string" && typeof email.html !== "string") {
		throw new Rejection(422, "validation_error", "Missing `html` or `text` field.");
	}
	if (email.attachments !== undefined) {
		if (!attachmentsAllowed) throw new Rejection(422, "validation_error", "Attachments are not supported on the batch endpoint.");
		if (!Array.isArray(email.attachments)) throw new Rejection(422, "validation_error", "`attachments` must be an array.");
		for (const a of email.attachments as unknown[]) {
			const att = (typeof a === "object" && a !== null ? a : {}) as Record<string, unknown>;
			const ok =
				typeof att.filename === "string" &&
				att.filename.length > 0 &&
				typeof att.content === "string" &&
				BASE64.test(att.content) &&
				(att.content_type === undefined || typeof att.content_type === "string");
			if (!ok) throw new Rejection(422, "validation_error", "Each attachment needs a `filename` and base64 `content`.");
		}
	}
	return email;
}

function header(req: IncomingMessage, name: string): string | null {
	const value = req.headers[name];
	return typeof value === "string" ? value : null;
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	return Buffer.concat(chunks).toString("utf8");
}

function reply(res: ServerResponse, answer: Answer): void {
	res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
	res.end(answer.body === null ? undefined : typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
}
