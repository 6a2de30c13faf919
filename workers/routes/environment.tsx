// 健保卡網路服務註冊-環境說明 (GET /environment): public, the page the registrant mail's step 1 and every
// "讀卡機元件未啟動" message link to. The helper must allow this portal's own origin, so the page shows
// the origin the request came to, not one configured elsewhere.
import { Hono } from "hono";
import { ENVIRONMENT_TITLE, EnvironmentPage } from "../../web/pages/environment.tsx";
import type { AppEnv } from "../env.ts";

export const environmentRoutes = new Hono<AppEnv>().get("/", (c) =>
	c.render(
		<EnvironmentPage
			isDev={c.env.ENVIRONMENT === "development"}
			readerUrl={c.env.READER_URL}
			portalOrigin={new URL(c.req.url).origin}
			downloadUrl={c.env.READER_DOWNLOAD_URL ?? ""}
		/>,
		{ title: ENVIRONMENT_TITLE, scripts: ["reader-client.js", "environment.js"] },
	),
);
