import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema/d1.ts";
import { newApp } from "./app.tsx";
import { deliverQueued } from "./mail/port.ts";
import { purgeExpired } from "./services/retention.ts";

const app = newApp();

export default {
	fetch: app.fetch,
	/** Daily: retention (SPEC §10), then another try for mails a provider hiccup left queued. */
	async scheduled(_controller, env, ctx) {
		ctx.waitUntil(
			(async () => {
				await purgeExpired(env.DB);
				await deliverQueued(env, drizzle(env.DB, { schema }));
			})(),
		);
	},
} satisfies ExportedHandler<Env>;

export { BatchUpload } from "../durable/batch-upload.ts";
export { VerificationWindow } from "../durable/verification-window.ts";
