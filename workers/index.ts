import { newApp } from "./app.tsx";

const app = newApp();

export default {
	fetch: app.fetch,
} satisfies ExportedHandler<Env>;

export { BatchUpload } from "../durable/batch-upload.ts";
