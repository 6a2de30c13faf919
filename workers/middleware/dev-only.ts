import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";

/** Development-only pages (demo sign-in, mailbox) answer 404 anywhere but ENVIRONMENT=development. */
export const devOnly = createMiddleware<AppEnv>(async (c, next) => {
	if (c.env.ENVIRONMENT !== "development") throw new AppError("NOT_FOUND");
	await next();
});
