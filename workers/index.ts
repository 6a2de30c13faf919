import { drizzle } from "drizzle-orm/d1";
import * as schema from "../schema/d1.ts";
import { newApp } from "./app.tsx";
import { deliverQueued } from "./mail/outbox.ts";
import { batchAttachments } from "./services/batch-attachments.ts";
import { purgeExpired, RETENTION_CRON } from "./services/retention.ts";

const app = newApp();

export default {
	fetch: app.fetch,
	/**
	 * Daily (RETENTION_CRON): retention (SPEC §10). Every run, the 10-minute one too: another try for
	 * mails a provider hiccup, the team's pace or a used-up quota left queued — those sent from a request
	 * (重寄認證信, the completion mail) have no other sender to retry them.
	 */
	async scheduled(controller, env, ctx) {
		ctx.waitUntil(
			(async () => {
				const db = drizzle(env.DB, { schema });
				if (controller.cron === RETENTION_CRON) await purgeExpired(db);
				await deliverQueued(env, db, { attachments: batchAttachments(db) });
			})(),
		);
	},
} satisfies ExportedHandler<Env>;

export { BatchUpload } from "../durable/batch-upload.ts";
export { VerificationWindow } from "../durable/verification-window.ts";
