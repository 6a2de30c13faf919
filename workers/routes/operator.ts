// The NHI operator's API (SPEC §1 operator): machine-to-machine, authorized by the OPERATOR_TOKEN secret
// as a bearer token, never by a portal session.
import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { AppError, ERROR_CODES, type ErrorCode } from "../errors.ts";
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

const csvHeaders = z.object({ "content-type": z.string().check(z.regex(/^text\/csv\s*(;\s*charset="?utf-8"?\s*)?$/i)) });

export const operatorRoutes = new Hono<AppEnv>()
	.use(requireOperatorToken)
	// 在保保險對象名冊: text/csv, header unit_code,id_no,name,enrolled_on,withdrawn_on or 投保單位代號,身分證號,姓名,
	// 加保日期,退保日期; see services/roster-feed.ts. A call that loads no row at all answers 422, with the
	// same summary (every row's reason) and an error.
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
			const result = await loadRoster(c.env.DB, csv, Date.now());
			if (result.upserted > 0) return c.json(result);
			const message = result.received === 0 ? "名冊只有標題列，沒有資料。" : `名冊 ${result.received} 筆資料全部有誤，未載入任何一筆；各列原因見 errors。`;
			return c.json({ error: { code: "FILE_REJECTED" satisfies ErrorCode, message }, ...result }, ERROR_CODES.FILE_REJECTED.status);
		},
	);
