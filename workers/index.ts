import { newApp } from "./app.tsx";
import { purgeExpired } from "./services/retention.ts";

const app = newApp();

export default {
	fetch: app.fetch,
	async scheduled(_controller, env, ctx) {
		ctx.waitUntil(purgeExpired(env.DB).then(() => undefined));
	},
} satisfies ExportedHandler<Env>;

export { BatchUpload } from "../durable/batch-upload.ts";
