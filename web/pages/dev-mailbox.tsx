// The development mailbox (SPEC §9): what the outbox "sent", with every link clickable so a person
// or a browser test can follow a verification link, and the attachments downloadable.
import { formatLogTime } from "../../workers/domain/taipei-time.ts";

export type MailStatusName = "queued" | "sent" | "failed";

export type MailboxEntry = {
	id: string;
	to: string[];
	subject: string;
	status: MailStatusName;
	transport: string;
	createdAt: number;
};

export type MailboxAttachment = {
	/** The file's name, or null when its batch no longer exists. */
	name: string | null;
	label: string;
	href: string;
	size: number | null;
};

export type MailboxMessage = MailboxEntry & {
	text: string;
	hasHtml: boolean;
	attempts: number;
	error: string | null;
	providerId: string | null;
	sentAt: number | null;
	attachments: MailboxAttachment[];
};

const STATUS_LABELS = { queued: "待寄送", sent: "已寄出", failed: "寄送失敗" } as const satisfies Record<
	MailStatusName,
	string
>;

// http(s) URLs up to whitespace, quotes, angle brackets or full-width punctuation (the seed's mails
// put links inside 「」 and before ，。).
const LINK = /https?:\/\/[^\s<>"'「」『』（），。、；]+/g;
/** Sentence punctuation that ends a link rather than belonging to it. */
const TRAILING = /[.,;:!?)\]]+$/;

/** The links in a mail's text, in order, each once. */
export function findLinks(text: string): string[] {
	return [...new Set(splitLinks(text).flatMap((s) => (s.kind === "link" ? [s.value] : [])))];
}

type Segment = { kind: "text" | "link"; value: string };

/** The text cut into plain runs and links, so links render as <a> without building HTML by hand. */
export function splitLinks(text: string): Segment[] {
	const segments: Segment[] = [];
	let at = 0;
	for (const match of text.matchAll(LINK)) {
		const link = match[0].replace(TRAILING, "");
		if (match.index > at) segments.push({ kind: "text", value: text.slice(at, match.index) });
		segments.push({ kind: "link", value: link });
		at = match.index + link.length;
	}
	if (at < text.length) segments.push({ kind: "text", value: text.slice(at) });
	return segments;
}

type ListProps = {
	messages: MailboxEntry[];
	/** MAIL_FROM: every message goes out from it. */
	sender: string;
	/** The search as typed ("" for none). */
	query: string;
	/** Messages the search matches (all messages without one). */
	total: number;
	/** The list shows at most this many, newest first. */
	limit: number;
};

export function MailboxList({ messages, sender, query, total, limit }: ListProps) {
	return (
		<section>
			<p class="note">開發環境專用：系統寄出的信件保存在本機信箱（MAIL_TRANSPORT = outbox），正式環境經 Resend 寄送。</p>
			<p id="mailbox-sender">{`寄件者：${sender}`}</p>
			<form method="get" action="/dev/mailbox" class="actions" id="mailbox-search" role="search">
				<label for="mailbox-q">搜尋信件</label>
				<input type="search" name="q" id="mailbox-q" value={query} maxlength={100} placeholder="收件者、主旨或內容" />
				<button type="submit">搜尋</button>
				{query ? <a href="/dev/mailbox">清除</a> : null}
			</form>
			<p id="mailbox-summary">
				{query ? `符合「${query}」的信件共 ${total.toLocaleString("zh-TW")} 封` : `共 ${total.toLocaleString("zh-TW")} 封`}
				{total > limit ? `，顯示最新 ${limit} 封` : ""}
			</p>
			{messages.length === 0 ? (
				<p>{query ? "沒有符合的信件。" : "目前沒有信件。"}</p>
			) : (
				<table class="grid">
					<thead>
						<tr>
							<th>寄送時間</th>
							<th>收件者</th>
							<th>主旨</th>
							<th>狀態</th>
							<th>寄送方式</th>
						</tr>
					</thead>
					<tbody>
						{messages.map((m) => (
							<tr>
								<td>{formatLogTime(m.createdAt)}</td>
								<td>{m.to.join(", ")}</td>
								<td>
									<a href={`/dev/mailbox/${m.id}`}>{m.subject}</a>
								</td>
								<td>{STATUS_LABELS[m.status]}</td>
								<td>{m.transport}</td>
							</tr>
						))}
					</tbody>
				</table>
			)}
		</section>
	);
}

export function MailboxMessagePage({ message, sender }: { message: MailboxMessage; sender: string }) {
	const links = findLinks(message.text);
	return (
		<article class="mail">
			<dl class="mail-headers">
				<dt>寄件者</dt>
				<dd id="mail-from">{sender}</dd>
				<dt>收件者</dt>
				<dd>{message.to.join(", ")}</dd>
				<dt>主旨</dt>
				<dd>{message.subject}</dd>
				<dt>寄送時間</dt>
				<dd>{formatLogTime(message.sentAt ?? message.createdAt)}</dd>
				<dt>狀態</dt>
				<dd>{`${STATUS_LABELS[message.status]}（${message.transport}，第 ${message.attempts} 次）`}</dd>
				{message.providerId ? (
					<>
						<dt>服務商編號</dt>
						<dd>{message.providerId}</dd>
					</>
				) : null}
				{message.error ? (
					<>
						<dt>錯誤訊息</dt>
						<dd class="error">{message.error}</dd>
					</>
				) : null}
			</dl>
			<pre class="mail-text">
				{splitLinks(message.text).map((s) => (s.kind === "link" ? <a href={s.value}>{s.value}</a> : s.value))}
			</pre>
			{message.hasHtml ? <p class="note">本信另有 HTML 版本（此處僅顯示純文字版本）。</p> : null}
			{links.length > 0 ? (
				<section>
					<h2>信件中的連結</h2>
					<ul class="mail-links">
						{links.map((href) => (
							<li>
								<a href={href}>{href}</a>
							</li>
						))}
					</ul>
				</section>
			) : null}
			{message.attachments.length > 0 ? (
				<section>
					<h2>附件</h2>
					<ul class="mail-attachments">
						{message.attachments.map((a) => (
							<li>
								{a.name === null ? (
									`${a.label}（檔案已不存在）`
								) : (
									<a href={a.href} download={a.name}>
										{a.name}
									</a>
								)}
								{a.size === null ? null : ` ${a.label}，${a.size.toLocaleString("en-US")} bytes`}
							</li>
						))}
					</ul>
				</section>
			) : null}
			<p>
				<a href="/dev/mailbox">回信箱</a>
			</p>
		</article>
	);
}
