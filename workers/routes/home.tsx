import { deleteCookie } from "hono/cookie";
import { Hono } from "hono";
import { RulesPage } from "../../web/pages/rules.tsx";
import type { AppEnv } from "../env.ts";
import { endSession, SESSION_COOKIE } from "../services/sessions.ts";

export const homeRoutes = new Hono<AppEnv>()
	.get("/", (c) => {
		const person = c.var.person;
		return c.render(
			<section>
				{person ? (
					<p>
						{person.name} 您好，請由左側作業選項選擇「健保卡註冊申請整批資料上傳」或「健保卡註冊申請上傳紀錄查詢」。
					</p>
				) : (
					<p>
						投保單位被授權承辦人可憑註冊健保卡或自然人憑證登入多憑證網路承保作業，單位管理者可憑工商憑證登入：
						<a href="/sign-in">登入</a>
					</p>
				)}
			</section>,
			{ title: "多憑證網路承保作業" },
		);
	})
	.get("/rules", (c) => c.render(<RulesPage />, { title: "健保卡整批註冊檔案製作說明" }))
	.post("/sign-out", async (c) => {
		const person = c.var.person;
		if (person) await endSession(c.var.db, person.tokenHash);
		deleteCookie(c, SESSION_COOKIE, { path: "/", secure: true });
		return c.redirect("/", 303);
	});
