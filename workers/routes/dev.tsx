// Development-only routes: a demo sign-in (until card / certificate sign-in lands) and the mailbox.
import { validate } from "../lib/validate.ts";
import { and, eq, isNull } from "drizzle-orm";
import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import * as z from "zod/mini";
import { people, unitStaff, units } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { devOnly } from "../middleware/dev-only.ts";
import { devMailboxRoutes } from "./dev-mailbox.tsx";
import { createSession, SESSION_COOKIE, SESSION_ABSOLUTE_MS } from "../services/sessions.ts";

export const devRoutes = new Hono<AppEnv>()
	.use(devOnly)
	.get("/sign-in", async (c) => {
		const staff = await c.var.db
			.select({ idNo: unitStaff.idNo, name: people.name, role: unitStaff.role, unit: units.name, unitCode: units.code })
			.from(unitStaff)
			.innerJoin(people, eq(people.idNo, unitStaff.idNo))
			.innerJoin(units, eq(units.code, unitStaff.unitCode))
			.where(isNull(unitStaff.revokedAt))
			.orderBy(units.code, unitStaff.role, people.name)
			.all();
		return c.render(
			<section>
				<p class="note">開發環境專用：以示範人員身分登入（正式環境以健保卡、自然人憑證或工商憑證登入）。</p>
				<table class="grid">
					<thead>
						<tr>
							<th>投保單位</th>
							<th>身分</th>
							<th>姓名</th>
							<th>身分證號</th>
							<th>
								<span class="visually-hidden">登入</span>
							</th>
						</tr>
					</thead>
					<tbody>
						{staff.map((s, i) => (
							<tr>
								<td>{`${s.unitCode} ${s.unit}`}</td>
								<td>{s.role === "manager" ? "單位管理者" : "承辦人"}</td>
								<td>{s.name}</td>
								<td>{maskIdNo(s.idNo)}</td>
								<td>
									<form method="post" action="/dev/sign-in">
										<input type="hidden" name="idNo" value={s.idNo} />
										<button type="submit" id={`demo-sign-in-${i}`}>
											登入
										</button>
									</form>
								</td>
							</tr>
						))}
					</tbody>
				</table>
			</section>,
			{ title: "示範登入" },
		);
	})
	.post("/sign-in", validate("form", z.object({ idNo: z.string().check(z.maxLength(10)) })), async (c) => {
		const { idNo } = c.req.valid("form");
		const staff = await c.var.db
			.select({ idNo: unitStaff.idNo })
			.from(unitStaff)
			.where(and(eq(unitStaff.idNo, idNo), isNull(unitStaff.revokedAt)))
			.get();
		if (!staff) throw new AppError("FORBIDDEN");
		const token = await createSession(c.var.db, idNo, "demo");
		setCookie(c, SESSION_COOKIE, token, {
			path: "/",
			secure: true,
			httpOnly: true,
			sameSite: "Lax",
			maxAge: SESSION_ABSOLUTE_MS / 1000,
		});
		return c.redirect("/batches/new", 303);
	})
	// Its paths start with /mailbox (and /mailbox.json), so it mounts at the root of /dev.
	.route("/", devMailboxRoutes);
