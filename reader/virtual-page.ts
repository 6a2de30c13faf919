// The virtual reader's local page (GET /virtual): insert, remove or switch the card "in the reader".
// Server-rendered with hono/html (every interpolation escaped); behaviour lives in /virtual.js, since
// the page's CSP allows no inline script. NHI cards' IDs are shown masked, as everywhere outside a
// person's record (the card read fills them in). Certificate cards show the full demo ID number to type
// at sign-in: nothing else on screen tells a newcomer which ID goes with a 自然人憑證 or 工商憑證, and the
// virtual reader holds only the seed's made-up demo people (it is a development tool).

import { html } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";
import type { VirtualBackend } from "./backends/virtual.ts";
import { maskIdNo } from "../workers/domain/mask.ts";

/** The page lists at most this many cards; a search narrows the rest. */
export const PAGE_LIST_LIMIT = 50;

const CARD_STATUS: Record<string, string> = { active: "有效", lost: "已掛失", replaced: "已換發" };
const CERT_KIND = { moica: "自然人憑證", moeaca: "工商憑證" } as const;

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

function insertedLine(backend: VirtualBackend): Html {
	const inserted = backend.inserted;
	if (inserted === null) return html`<p>讀卡機中沒有卡片。</p>`;
	const label =
		inserted.kind === "nhi"
			? html`健保卡　${inserted.card.name}（${maskIdNo(inserted.card.idNo)}，卡號 ${inserted.card.cardNo}）`
			: html`${CERT_KIND[inserted.cert.kind]}　${inserted.cert.subject}`;
	return html`<p>目前插入：<strong>${label}</strong> <button type="button" data-action="remove">移除卡片</button></p>`;
}

function nhiCardTable(backend: VirtualBackend, query: string): Html {
	const { total, cards } = backend.searchNhiCards(query, PAGE_LIST_LIMIT);
	const rows = cards.map(
		(c) => html`<tr>
			<td>${c.name}</td><td>${maskIdNo(c.idNo)}</td><td>${c.cardNo}</td><td>${CARD_STATUS[c.status] ?? c.status}</td>
			<td><button type="button" data-action="insert" data-card-no="${c.cardNo}">插入</button></td>
		</tr>`,
	);
	return html`<p>符合 ${total} 張${total > cards.length ? html`，列出前 ${cards.length} 張` : ""}。</p>
		<table>
			<thead><tr><th>姓名</th><th>身分證號</th><th>卡號</th><th>卡片狀態</th><th></th></tr></thead>
			<tbody>${rows}</tbody>
		</table>`;
}

function certificateTable(backend: VirtualBackend): Html {
	const certs = backend.certificates(PAGE_LIST_LIMIT);
	if (certs.length === 0) return html`<p>沒有虛擬憑證卡：請執行 npm run seed 產生 .reader-keys/certs.json。</p>`;
	const rows = certs.map((c) => {
		const signInId = c.kind === "moica" ? c.holder.idNo : c.holder.managerIdNo;
		return html`<tr>
			<td>${c.id}</td><td>${CERT_KIND[c.kind]}</td><td>${c.holder.name ?? c.subject}${c.holder.ban !== undefined ? html`<br>統一編號 ${c.holder.ban}` : ""}</td>
			<td class="demo-id">${signInId ?? "—"}</td>
			<td>${backend.isLocked(c.id) ? "PIN 已鎖住" : "可使用"}</td>
			<td><button type="button" data-action="insert" data-cert-id="${c.id}">插入</button></td>
		</tr>`;
	});
	return html`<p>以憑證卡登入時，身分證號請輸入「示範身分證號」欄的號碼（工商憑證為該單位的示範單位管理者）。</p>
		<table>
		<thead><tr><th>代號</th><th>種類</th><th>持有人</th><th>示範身分證號</th><th>狀態</th><th></th></tr></thead>
		<tbody>${rows}</tbody>
	</table>`;
}

export async function renderVirtualPage(backend: VirtualBackend, query: string): Promise<string> {
	const page = await html`<!doctype html>
<html lang="zh-Hant-TW">
<head>
	<meta charset="utf-8">
	<meta name="viewport" content="width=device-width, initial-scale=1">
	<title>虛擬讀卡機</title>
	<link rel="stylesheet" href="/virtual.css">
	<script src="/virtual.js" defer></script>
</head>
<body>
	<h1>虛擬讀卡機（本機開發用）</h1>
	${insertedLine(backend)}
	<p id="message" role="status"></p>
	<h2>健保卡</h2>
	<form method="get" action="/virtual">
		<label>姓名、身分證號或卡號 <input name="q" value="${query}" autocomplete="off"></label>
		<button type="submit">搜尋</button>
	</form>
	${nhiCardTable(backend, query)}
	<h2>憑證卡</h2>
	${certificateTable(backend)}
</body>
</html>`;
	return page.toString();
}
