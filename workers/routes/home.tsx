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
				<h2>健保卡註冊者</h2>
				<ul>
					<li>首次註冊者請至註冊留存的電子郵件信箱收取認證信，點選信件連結插卡讀取後自行設定註冊密碼。</li>
					<li>
						未於5日內完成、未收到認證信或電子郵件信箱有誤者，可點選<a href="/verify/resend">重寄認證信</a>。
					</li>
					<li>
						讀卡前請先依<a href="/environment">環境說明</a>安裝並啟動讀卡程式，備妥晶片讀卡機及健保卡。
					</li>
				</ul>
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
