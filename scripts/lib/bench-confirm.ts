// Registrants confirming (SPEC §6) for the scripts: on 健保卡網路服務註冊-電子信箱認證 as a browser does —
// GET the mail's link (pre-session cookie and CSRF token), 讀取 = POST /verify/challenge and the card's
// signature (made here with the card's private key, as the reader helper's virtual backend would), then
// 確定 = POST /verify. Every request goes through timedFetch, so its latency lands in RouteStats.
//
// The scripts' roster people have no NHI cards, so benchCards() makes cards for the first members with
// keys derived the demo data's way (cardKeyPair); benchCardsSql() inserts them into local D1 before
// wrangler dev starts (wrangler d1 execute must not write under a running workerd).

import { createPrivateKey, sign } from "node:crypto";
import { z } from "zod";
import { PRE_SESSION_COOKIE } from "../../workers/middleware/pre-session.ts";
import { nhiCardSignedText } from "../../workers/domain/proof-payloads.ts";
import { VERIFICATION_MAIL_SUBJECT } from "../../workers/services/verification-mail.ts";
import { cardKeyPair, type EcJwk } from "../demo-data.ts";
import type { Member } from "./bench-data.ts";
import { expectStatus, type RouteStats, timedFetch } from "./load-http.ts";
import type { PortalClient } from "./portal-client.ts";

/** Members given a card: a few of a file's rows for them fail on purpose, so more than are asked to confirm. */
export const CARDED_MEMBERS = 300;
/**
 * The 網頁訊息 after 確定 (seed 註冊申請人2/2). Not imported: it lives in
 * workers/services/verification-confirm.ts, which imports the Durable Object (cloudflare:workers).
 */
const CONFIRMED_MESSAGE = "您已完成電子郵件信箱認證，歡迎開始使用本系統！";
/** Meets every 註冊密碼 rule, 強 on the meter, and contains no bench ID or birth date. */
export const PASSWORD = "Bench@2026x";
/** 確定 hashes the password (600,000 PBKDF2 iterations): many of them queue on two cores. */
const CONFIRM_TIMEOUT_MS = 180_000;
const REQUEST_TIMEOUT_MS = 60_000;
const challengeAnswer = z.object({ challengeId: z.string(), challenge: z.string() });

export type BenchCard = { idNo: string; cardNo: string; privateJwk: EcJwk; publicJwk: EcJwk };
export type Registrant = { card: BenchCard; ticket: string };

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

/** The first e-mail each ID has in an uploaded file (the first occurrence of an ID counts). */
export function emailsInFile(fileBytes: Uint8Array): Map<string, string> {
	const emails = new Map<string, string>();
	for (const line of new TextDecoder().decode(fileBytes).split(/\r?\n/)) {
		const [id = "", email = ""] = line.split(",");
		const idNo = id.replace(/^\uFEFF/, "").toUpperCase();
		if (!emails.has(idNo)) emails.set(idNo, email);
	}
	return emails;
}

/** Up to `count` carded registrants of a file with their verification mail's ticket (from the dev mailbox), in card order. */
export async function registrantTickets(portal: PortalClient, emails: ReadonlyMap<string, string>, cards: readonly BenchCard[], count: number): Promise<Registrant[]> {
	const ready: Registrant[] = [];
	for (const card of cards) {
		if (ready.length === count) break;
		const email = emails.get(card.idNo);
		if (!email?.includes("@")) continue;
		const mail = ((await portal.mailbox(email)) ?? []).find((m) => m.subject === VERIFICATION_MAIL_SUBJECT);
		const ticket = mail && /\/verify\?ticket=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
		if (ticket) ready.push({ card, ticket });
	}
	return ready;
}

/**
 * The mail's link and 讀取: the page's pre-session cookie and the 確定 form's body (card proof, the
 * password twice), or null when a request failed (recorded in `stats`).
 */
export async function confirmForm(stats: RouteStats | null, origin: string, { card, ticket }: Registrant): Promise<{ cookie: string; body: URLSearchParams } | null> {
	const page = await timedFetch(stats, "GET /verify", `${origin}/verify?ticket=${encodeURIComponent(ticket)}`, { timeoutMs: REQUEST_TIMEOUT_MS }, (a) =>
		a.status === 200 && /data-csrf="/.test(a.text) ? null : `${a.status} ${/data-state="(\w+)"/.exec(a.text)?.[1] ?? ""}`.trim(),
	);
	const cookie = page?.headers.getSetCookie().find((c) => c.startsWith(`${PRE_SESSION_COOKIE}=`))?.split(";")[0];
	const csrf = page && /data-csrf="([^"]+)"/.exec(page.text)?.[1];
	if (!cookie || !csrf) return null;
	const headers = { Origin: origin, Cookie: cookie, "X-CSRF-Token": csrf, "Content-Type": "application/json", Accept: "application/json" };
	const body = JSON.stringify({ purpose: "registrant-card" });
	const answer = await timedFetch(stats, "POST /verify/challenge", `${origin}/verify/challenge`, { method: "POST", headers, body, timeoutMs: REQUEST_TIMEOUT_MS }, expectStatus(200));
	if (answer?.status !== 200) return null;
	const issued = challengeAnswer.parse(JSON.parse(answer.text));
	const signed = Buffer.from(nhiCardSignedText({ origin, challenge: issued.challenge, cardNo: card.cardNo }), "utf8");
	const signature = sign("sha256", signed, { key: createPrivateKey({ key: card.privateJwk, format: "jwk" }), dsaEncoding: "ieee-p1363" }).toString("base64url");
	const form = { _csrf: csrf, ticket, challengeId: issued.challengeId, cardNo: card.cardNo, signature, password: PASSWORD, passwordConfirm: PASSWORD };
	return { cookie, body: new URLSearchParams(form) };
}

/** The whole confirmation; true when the answer shows the seed's 網頁訊息 (the latency of 確定 is stats' "POST /verify"). */
export async function confirmRegistrant(stats: RouteStats | null, origin: string, registrant: Registrant): Promise<boolean> {
	const form = await confirmForm(stats, origin, registrant);
	if (!form) return false;
	const answer = await timedFetch(stats, "POST /verify", `${origin}/verify`, { method: "POST", headers: { Origin: origin, Cookie: form.cookie }, body: form.body, timeoutMs: CONFIRM_TIMEOUT_MS }, (a) =>
		a.status === 200 && a.text.includes(CONFIRMED_MESSAGE) ? null : `${a.status} ${/data-code="(\w+)"/.exec(a.text)?.[1] ?? "refused"}`,
	);
	return answer?.status === 200 && answer.text.includes(CONFIRMED_MESSAGE);
}
