// The bench's confirmation measure (SPEC §6): registrants of the bench's batch confirm their registration
// on 健保卡網路服務註冊-電子信箱認證 as a browser does — GET the mail's link (pre-session cookie and CSRF
// token), POST /verify/challenge, the card's signature (made here with the card's private key, as the
// reader helper's virtual backend would), then 確定 = POST /verify, whose latency is what is measured.
//
// The bench's roster people have no NHI cards, so benchCards() makes cards for the first members with
// keys derived the demo data's way (cardKeyPair), and benchCardsSql() inserts them into local D1 before
// the measured wrangler dev starts (wrangler d1 execute must not write under a running workerd).

import { createPrivateKey, sign } from "node:crypto";
import { z } from "zod";
import { cardKeyPair, type EcJwk } from "../demo-data.ts";
import type { Member } from "./bench-data.ts";
import type { PortalClient } from "./portal-client.ts";

/** How many registrants confirm (one POST /verify each, one after another). */
export const CONFIRM_REQUESTS = 200;
/** Members given a card: more than CONFIRM_REQUESTS, as a few of the file's rows for them fail on purpose. */
const CARDED_MEMBERS = 300;
const CONFIRMED_MESSAGE = "您已完成電子郵件信箱認證，歡迎開始使用本系統！";
export const VERIFICATION_SUBJECT = "健保卡網路服務-註冊成功";
/** Meets every 註冊密碼 rule, 強 on the meter, and contains no bench ID or birth date. */
export const PASSWORD = "Bench@2026x";
const PRE_SESSION_COOKIE = "__Host-pre";
const challengeAnswer = z.object({ challengeId: z.string(), challenge: z.string() });

export type BenchCard = { idNo: string; cardNo: string; privateJwk: EcJwk; publicJwk: EcJwk };

/** Cards for the first members of the roster: numbers 8xxxxxxxxxxx, far from the demo's. */
export function benchCards(members: readonly Member[]): BenchCard[] {
	return members.slice(0, CARDED_MEMBERS).map((m, i) => {
		const cardNo = `8${String(i + 1).padStart(11, "0")}`;
		return { idNo: m.idNo, cardNo, ...cardKeyPair(cardNo) };
	});
}

export function benchCardsSql(cards: readonly BenchCard[]): string {
	const tuples = cards.map((c) => `('${c.cardNo}', '${c.idNo}', '2020-01-01', 'active', '${JSON.stringify(c.publicJwk)}')`);
	return `INSERT INTO cards (card_no, id_no, issued_on, status, public_key) VALUES\n${tuples.join(",\n")};\n`;
}

/** The first e-mail each carded person has in the uploaded file (the first occurrence of an ID counts). */
function emailsInFile(fileBytes: Uint8Array, cards: readonly BenchCard[]): Map<string, string> {
	const wanted = new Set(cards.map((c) => c.idNo));
	const emails = new Map<string, string>();
	for (const line of new TextDecoder().decode(fileBytes).split(/\r?\n/)) {
		const [id = "", email = ""] = line.split(",");
		const idNo = id.replace(/^\uFEFF/, "").toUpperCase();
		if (wanted.has(idNo) && !emails.has(idNo)) emails.set(idNo, email);
	}
	return emails;
}

/** One browser's visit: the page's pre-session cookie and CSRF token. */
export async function openPage(origin: string, ticket: string): Promise<{ cookie: string; csrf: string }> {
	const res = await fetch(`${origin}/verify?ticket=${encodeURIComponent(ticket)}`, { redirect: "manual" });
	const html = await res.text();
	const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${PRE_SESSION_COOKIE}=`))?.split(";")[0];
	const csrf = /data-csrf="([^"]+)"/.exec(html)?.[1];
	if (res.status !== 200 || !cookie || !csrf) throw new Error(`GET /verify answered ${res.status} without the form's pre-session (${/data-state="(\w+)"/.exec(html)?.[1] ?? "no state"})`);
	return { cookie, csrf };
}

/** 讀取: the portal's challenge, signed with the card's key over the text the reader helper signs. */
export async function readCard(origin: string, page: { cookie: string; csrf: string }, card: BenchCard) {
	const res = await fetch(`${origin}/verify/challenge`, {
		method: "POST",
		headers: { Origin: origin, Cookie: page.cookie, "X-CSRF-Token": page.csrf, "Content-Type": "application/json", Accept: "application/json" },
		body: JSON.stringify({ purpose: "registrant-card" }),
	});
	if (res.status !== 200) throw new Error(`POST /verify/challenge answered ${res.status}`);
	const issued = challengeAnswer.parse(await res.json());
	const key = createPrivateKey({ key: card.privateJwk, format: "jwk" });
	const payload = Buffer.from(`nhi-card-challenge\n${origin}\n${issued.challenge}\n${card.cardNo}`, "utf8");
	const signature = sign("sha256", payload, { key, dsaEncoding: "ieee-p1363" }).toString("base64url");
	return { challengeId: issued.challengeId, cardNo: card.cardNo, signature };
}

export type ConfirmMeasure = { results: Record<string, number>; latenciesMs: number[]; problems: string[] };

/**
 * confirm_p50_ms / confirm_p95_ms: the latency of 確定 (POST /verify until its whole answer) for
 * CONFIRM_REQUESTS registrants of the batch, one after another; each must show the seed's 網頁訊息.
 */
export async function measureConfirm(portal: PortalClient, fileBytes: Uint8Array, cards: readonly BenchCard[], log: (line: string) => void): Promise<ConfirmMeasure> {
	const origin = portal.origin;
	const emails = emailsInFile(fileBytes, cards);
	const ready: { card: BenchCard; ticket: string }[] = [];
	for (const card of cards) {
		if (ready.length === CONFIRM_REQUESTS) break;
		const email = emails.get(card.idNo);
		if (!email?.includes("@")) continue;
		const mail = ((await portal.mailbox(email)) ?? []).find((m) => m.subject === VERIFICATION_SUBJECT);
		const ticket = mail && /\/verify\?ticket=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
		if (ticket) ready.push({ card, ticket });
	}
	const problems: string[] = [];
	if (ready.length < CONFIRM_REQUESTS) problems.push(`only ${ready.length} carded registrants have a verification mail (${CONFIRM_REQUESTS} wanted)`);

	const latenciesMs: number[] = [];
	let refused = 0;
	for (const { card, ticket } of ready) {
		const page = await openPage(origin, ticket);
		const proof = await readCard(origin, page, card);
		const body = new URLSearchParams({ _csrf: page.csrf, ticket, ...proof, password: PASSWORD, passwordConfirm: PASSWORD });
		const t0 = performance.now();
		const res = await fetch(`${origin}/verify`, { method: "POST", redirect: "manual", headers: { Origin: origin, Cookie: page.cookie }, body });
		const html = await res.text();
		latenciesMs.push(performance.now() - t0);
		if (res.status !== 200 || !html.includes(CONFIRMED_MESSAGE)) {
			refused++;
			if (refused <= 3) problems.push(`POST /verify answered ${res.status}: ${/data-code="(\w+)"/.exec(html)?.[1] ?? html.replace(/<[^>]+>|\s+/g, " ").slice(0, 160)}`);
		}
	}
	if (refused > 3) problems.push(`… ${refused} confirmations refused in all`);
	const sorted = [...latenciesMs].sort((a, b) => a - b);
	const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
	log(
		`  ${latenciesMs.length} registrants confirmed (確定 = POST /verify: card proof, 600,000-iteration PBKDF2, the window's Durable Object, completion mail):` +
			` p50 ${Math.round(at(50))} ms, p95 ${Math.round(at(95))} ms, max ${Math.round(sorted.at(-1) ?? 0)} ms; ${refused} refused`,
	);
	return { results: { confirm_p50_ms: Math.round(at(50)), confirm_p95_ms: Math.round(at(95)) }, latenciesMs, problems };
}
