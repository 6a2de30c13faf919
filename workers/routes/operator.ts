// The NHI operator's API (SPEC §1 operator): machine-to-machine, authorized by the OPERATOR_TOKEN secret
// as a bearer token, never by a portal session.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { z } from "zod";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { sha256Hex, timingSafeEqual } from "../lib/crypto.ts";
import { decodeRosterCsv, loadRoster, ROSTER_MAX_BYTES } from "../services/roster-feed.ts";

const requireOperatorToken = createMiddleware<AppEnv>(async (c, next) => {
	const expected = c.env.OPERATOR_TOKEN;
	const sent = /^Bearer +(\S+)\s*$/i.exec(c.req.header("Authorization") ?? "")?.[1];
	// Comparing digests keeps the comparison constant-time even in the token's length.
	if (!expected || !sent || !timingSafeEqual(await sha256Hex(sent), await sha256Hex(expected))) {
		throw new AppError("UNAUTHENTICATED", "需要有效的作業人員權杖（Authorization: Bearer <OPERATOR_TOKEN>）。");
	}
	await next();
});

const csvHeaders = z.object({ "content-type": z.string().regex(/^text\/csv\s*(;\s*charset="?utf-8"?\s*)?$/i) });

export const operatorRoutes = new Hono<AppEnv>()
	.use(requireOperatorToken)
	// 在保保險對象名冊: text/csv, header unit_code,id_no,name,enrolled_on,withdrawn_on; see services/roster-feed.ts.
	.post(
		"/roster",
		bodyLimit({
			maxSize: ROSTER_MAX_BYTES,
			onError: () => {
				throw new AppError("PAYLOAD_TOO_LARGE", "名冊檔超過大小上限，請分檔載入。");
			},
		}),
		zValidator("header", csvHeaders, (result) => {
			if (!result.success) throw new AppError("BAD_REQUEST", "Content-Type 須為 text/csv; charset=utf-8。");
		}),
		async (c) => {
			const csv = decodeRosterCsv(await c.req.arrayBuffer());
			return c.json(await loadRoster(c.env.DB, csv, Date.now()));
		},
	);
