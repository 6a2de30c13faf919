// The bench's bare Durable Object (npm run bench: bare_do_per_s). Locally each object is a SQLite file,
// and creating one costs fsyncs the portal cannot avoid; this object does no more than a verification
// window must — one write and its alarm — so the rate at which it is created, from a Worker at the
// concurrency the verify step opens windows with, is the machine's limit for windows_per_s.
import { DurableObject } from "cloudflare:workers";
import { WINDOW_RPC_CONCURRENCY, WINDOW_WAVE } from "../../workers/services/verification.ts";

type BareEnv = { BARE: DurableObjectNamespace<BareObject> };

/** As long as a verification window lasts: its alarm is set, never reached during the bench. */
const WINDOW_MS = 5 * 24 * 60 * 60 * 1000;

export class BareObject extends DurableObject<BareEnv> {
	async open(at: number): Promise<void> {
		await this.ctx.storage.put("opened", at);
		await this.ctx.storage.setAlarm(at + WINDOW_MS);
	}

	override async alarm(): Promise<void> {
		await this.ctx.storage.deleteAll();
	}
}

export default {
	/** GET /wave?n=N: creates the N-th wave's WINDOW_WAVE objects, WINDOW_RPC_CONCURRENCY at a time; how many, in how many ms. */
	async fetch(request: Request, env: BareEnv): Promise<Response> {
		const url = new URL(request.url);
		// Anything else (wrangler dev's readiness probe asks for /) creates nothing.
		if (url.pathname !== "/wave") return new Response(null, { status: 404 });
		const from = Number(url.searchParams.get("n") ?? 0) * WINDOW_WAVE;
		const end = from + WINDOW_WAVE;
		const t0 = Date.now();
		let next = from;
		const worker = async (): Promise<void> => {
			for (let i = next++; i < end; i = next++) await env.BARE.getByName(`bare-${i}`).open(Date.now());
		};
		await Promise.all(Array.from({ length: WINDOW_RPC_CONCURRENCY }, worker));
		return Response.json({ count: end - from, ms: Date.now() - t0 });
	}
} satisfies ExportedHandler<BareEnv>;
