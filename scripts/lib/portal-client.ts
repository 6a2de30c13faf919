// A small HTTP client of the portal for scripts, one signed-in browser: demo sign-in, the upload form's
// CSRF token, the upload, batch status, the dev mailbox and the operator roster feed. It behaves like the
// browser the routes expect: same-origin Origin header on POSTs, the session cookie sent back by hand
// (Node's fetch keeps no cookie jar, and a `__Host-` cookie is Secure, which a browser would not send
// over plain http). Every request is bounded in time.

import { z } from "zod";
import { SESSION_COOKIE } from "../../workers/services/sessions.ts";

export const batchStatus = z.object({
	id: z.string(),
	status: z.enum(["queued", "importing", "done", "failed"]),
	label: z.string(),
	totalRows: z.number(),
	rowsDone: z.number(),
	successCount: z.number(),
	failureCount: z.number(),
	failureMessage: z.string().nullable(),
	/** After 入檔完畢: the batch's hand-offs to verification by state (null before; absent on older portals). */
	verification: z.object({ queued: z.number(), opened: z.number(), superseded: z.number() }).nullable().optional(),
});
export type BatchStatus = z.infer<typeof batchStatus>;

const mailboxMessage = z.object({
	id: z.string(),
	to: z.array(z.string()),
	subject: z.string(),
	text: z.string(),
	attachments: z.array(z.object({ name: z.string().nullable(), url: z.string() })),
	createdAt: z.string(),
});
export type MailboxMessage = z.infer<typeof mailboxMessage>;

const rosterLoad = z.object({ received: z.number(), upserted: z.number(), failed: z.number() });

export class PortalError extends Error {}

export type UploadForm = { unitCode: string; contactName: string; contactEmail: string; fileName: string; bytes: Uint8Array<ArrayBuffer> };

const REQUEST_TIMEOUT_MS = 60_000;

export class PortalClient {
	readonly origin: string;
	#cookie: string | null = null;
	#csrf: string | null = null;

	constructor(origin: string) {
		this.origin = origin;
	}

	/** POST /dev/sign-in as one of the demo staff; keeps the session cookie. */
	async signIn(idNo: string): Promise<void> {
		const res = await fetch(`${this.origin}/dev/sign-in`, {
			method: "POST",
			redirect: "manual",
			headers: { Origin: this.origin },
			body: new URLSearchParams({ idNo }),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
		if (res.status !== 303 || !cookie) throw new PortalError(`demo sign-in answered ${res.status} without a session cookie: ${await snippet(res)}`);
		this.#cookie = cookie.split(";")[0] ?? null;
	}

	/** The `_csrf` hidden input of the upload page (GET /batches/new). */
	async loadCsrfToken(): Promise<string> {
		const res = await this.#get("/batches/new", "text/html");
		const html = await res.text();
		const token = /<input[^>]*name="_csrf"[^>]*value="([^"]+)"/.exec(html)?.[1] ?? /<input[^>]*value="([^"]+)"[^>]*name="_csrf"/.exec(html)?.[1];
		if (res.status !== 200 || !token) throw new PortalError(`GET /batches/new answered ${res.status} without a _csrf input`);
		this.#csrf = token;
		return token;
	}

	/** The upload form (POST /batches, and the check beside it) as the page submits it. */
	uploadForm(form: UploadForm): FormData {
		const body = new FormData();
		body.set("_csrf", this.#csrf ?? "");
		body.set("unitCode", form.unitCode);
		body.set("contactName", form.contactName);
		body.set("contactEmail", form.contactEmail);
		body.set("file", new Blob([form.bytes], { type: "text/csv" }), form.fileName);
		return body;
	}

	/** POST /batches (multipart); resolves with the batch id once the 303 answer arrives. */
	async upload(form: UploadForm): Promise<string> {
		const body = this.uploadForm(form);
		const res = await fetch(`${this.origin}/batches`, { method: "POST", redirect: "manual", headers: this.headers(true), body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
		const location = res.headers.get("Location") ?? "";
		const batchId = /\/batches\/([A-Za-z0-9_-]+)$/.exec(location)?.[1];
		if (res.status !== 303 || !batchId) throw new PortalError(`upload answered ${res.status} (Location ${location || "none"}): ${await snippet(res)}`);
		await res.body?.cancel();
		return batchId;
	}

	/** GET /batches/:id/status. */
	async status(batchId: string): Promise<BatchStatus> {
		const res = await this.#get(`/batches/${batchId}/status`, "application/json");
		if (res.status !== 200) throw new PortalError(`status answered ${res.status}: ${await snippet(res)}`);
		return batchStatus.parse(await res.json());
	}

	/** GET /dev/mailbox.json?to=…, or null when the mailbox route is not there (404). */
	async mailbox(to: string): Promise<MailboxMessage[] | null> {
		const res = await this.#get(`/dev/mailbox.json?to=${encodeURIComponent(to)}`, "application/json");
		if (res.status === 404) return null;
		if (res.status !== 200) throw new PortalError(`mailbox answered ${res.status}: ${await snippet(res)}`);
		return z.object({ messages: z.array(mailboxMessage) }).parse(await res.json()).messages;
	}

	/** POST /api/operator/roster with one CSV chunk; null when the route is not there (404). */
	async postRoster(token: string, csv: string): Promise<{ received: number; upserted: number; failed: number } | null> {
		const res = await fetch(`${this.origin}/api/operator/roster`, {
			method: "POST",
			headers: { Authorization: `Bearer ${token}`, "Content-Type": "text/csv; charset=utf-8" },
			body: csv,
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
		if (res.status === 404) return null;
		if (res.status !== 200) throw new PortalError(`roster feed answered ${res.status}: ${await snippet(res)}`);
		return rosterLoad.parse(await res.json());
	}

	/** The upload form's CSRF token (after loadCsrfToken()). */
	get csrf(): string {
		return this.#csrf ?? "";
	}

	/** Headers of this browser's request; POSTs carry the same-origin Origin a browser sends. */
	headers(post = false, accept?: string): Record<string, string> {
		const headers: Record<string, string> = {};
		if (this.#cookie) headers.Cookie = this.#cookie;
		if (post) headers.Origin = this.origin;
		if (accept) headers.Accept = accept;
		return headers;
	}

	#get(path: string, accept: "text/html" | "application/json"): Promise<Response> {
		return fetch(`${this.origin}${path}`, { redirect: "manual", headers: this.headers(false, accept), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
	}
}

async function snippet(res: Response): Promise<string> {
	const text = await res.text().catch(() => "");
	return text.replace(/\s+/g, " ").slice(0, 300);
}
