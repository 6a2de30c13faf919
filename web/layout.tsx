import type { Context } from "hono";
import type { Child } from "hono/jsx";
import type { AppEnv } from "../workers/env.ts";

declare module "hono" {
	interface ContextRenderer {
		(content: string | Promise<string>, props: PageProps): Response | Promise<Response>;
	}
}

export type PageProps = {
	title: string;
	/** Client scripts under web/public/js/, loaded with defer. */
	scripts?: string[];
};

/** The portal frame: header with the signed-in person, the side menu of the seed's 多憑證網路承保作業. */
export function Layout(props: PageProps & { children?: Child; c: Context<AppEnv> }) {
	const { c } = props;
	const person = c.var.person;
	const isDev = c.env.ENVIRONMENT === "development";
	return (
		<html lang="zh-Hant-TW">
			<head>
				<meta charset="utf-8" />
				<meta name="viewport" content="width=device-width, initial-scale=1" />
				<title>{`${props.title} - 多憑證網路承保作業`}</title>
				<link rel="stylesheet" href="/css/app.css" />
				{/* No favicon: an empty one, so browsers do not ask for /favicon.ico (a 404 on every first visit). */}
				<link rel="icon" href="data:," />
				{(props.scripts ?? []).map((src) => (
					<script src={`/js/${src}`} defer />
				))}
			</head>
			<body data-environment={isDev ? "development" : undefined}>
				<a class="skip-link" href="#main">
					跳至主要內容
				</a>
				<header class="site-header">
					<a class="brand" href="/">
						多憑證網路承保作業
					</a>
					{person ? (
						<form method="post" action="/sign-out" class="who">
							<span>{person.name} 您好</span>
							<input type="hidden" name="_csrf" value={person.csrfToken} />
							<button type="submit">登出</button>
						</form>
					) : (
						<a class="who" href="/sign-in">
							登入
						</a>
					)}
				</header>
				<div class="frame">
					<nav class="side-menu" aria-label="作業選項">
						{/* A disclosure on a phone (closed until 作業選項 is tapped); always open beside the page on a wider screen (app.css). */}
						<details class="menu">
							<summary>作業選項</summary>
							<p class="menu-title">多憑證網路整批作業</p>
							<ul>
								<li>
									<a href="/batches/new">健保卡註冊申請整批資料上傳</a>
								</li>
								<li>
									<a href="/batches">健保卡註冊申請上傳紀錄查詢</a>
								</li>
								<li>
									<a href="/rules">健保卡整批註冊檔案製作說明</a>
								</li>
								{person?.units.some((u) => u.role === "manager") ? (
									<li>
										<a href="/staff">授權管理</a>
									</li>
								) : null}
								{person ? (
									<li>
										<a href="/passkeys">通行金鑰</a>
									</li>
								) : (
									<li>
										<a href="/sign-in">登入</a>
									</li>
								)}
								{isDev ? (
									<li>
										<a href="/dev/mailbox">開發用信箱</a>
									</li>
								) : null}
							</ul>
							<p class="menu-title">健保卡網路服務註冊</p>
							<ul>
								<li>
									<a href="/verify/resend">重寄認證信</a>
								</li>
								<li>
									<a href="/environment">環境說明</a>
								</li>
							</ul>
						</details>
					</nav>
					<main id="main" tabindex={-1}>
						{c.var.sessionEnded ? (
							<div class="alert" role="alert" id="session-ended">
								<p>{c.var.sessionEnded}</p>
							</div>
						) : null}
						<h1>{props.title}</h1>
						{props.children}
					</main>
				</div>
			</body>
		</html>
	);
}
