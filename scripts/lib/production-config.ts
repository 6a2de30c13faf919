// What production needs from wrangler.toml before `npm run deploy` may publish it (scripts/deploy.ts).
// The committed [vars] are production's; development lays scripts/lib/dev-vars.ts over them. A deploy
// with a development value would publish the demo sign-in and the mailbox (ENVIRONMENT), keep every mail
// in D1 (MAIL_TRANSPORT) or mail registrants links to a loopback address (APP_ORIGIN) — so each is refused.

/** The parts of a resolved wrangler config (unstable_readConfig) the checks read. */
export type DeployConfig = {
	vars: Record<string, unknown>;
	d1_databases: readonly { binding: string; database_id?: string | undefined }[];
};

/** The placeholder D1 id committed until the real database exists (`wrangler d1 create`). */
const PLACEHOLDER_D1_ID = /^0{8}-0{4}-0{4}-0{4}-0{12}$/;
/** Committed placeholder hosts (…example.tw): fine for a dry run, never for a real deploy. */
const PLACEHOLDER_HOST = /(^|\.)example(\.|$)/;
/** Resend's documented sender forms: `address` or `Name <address>`. */
const SENDER = /^(?:[^<>]*<)?[^\s@<>]+@([^\s@<>]+\.[^\s@<>]+)>?$/;

/**
 * Every way `config` falls short of production, as sentences naming the setting; empty when it may be
 * deployed. `deploying`: a real deploy (not --dry-run) must also have replaced the committed placeholders.
 */
export function productionProblems(config: DeployConfig, { deploying }: { deploying: boolean }): string[] {
	const problems: string[] = [];
	const vars = config.vars;
	const text = (name: string): string => (typeof vars[name] === "string" ? (vars[name] as string) : "");

	if (text("ENVIRONMENT") !== "production") {
		problems.push(`ENVIRONMENT is "${text("ENVIRONMENT")}", not "production": /dev/sign-in and /dev/mailbox would be published.`);
	}
	if (text("MAIL_TRANSPORT") !== "resend") {
		problems.push(`MAIL_TRANSPORT is "${text("MAIL_TRANSPORT")}", not "resend": no mail would leave the portal.`);
	}

	const origin = parseUrl(text("APP_ORIGIN"));
	if (!origin) {
		problems.push(`APP_ORIGIN "${text("APP_ORIGIN")}" is not a URL.`);
	} else {
		if (origin.protocol !== "https:") problems.push(`APP_ORIGIN ${origin.href} is not https: the session cookie is __Host- (Secure only).`);
		if (isLoopback(origin.hostname)) problems.push(`APP_ORIGIN ${origin.href} is a loopback address: mailed verification links would point at the registrant's own PC.`);
		else if (isIpLiteral(origin.hostname)) problems.push(`APP_ORIGIN ${origin.href} is an IP address: passkeys need the portal's host name.`);
		if (`${origin.origin}` !== text("APP_ORIGIN")) problems.push(`APP_ORIGIN "${text("APP_ORIGIN")}" must be an origin only (scheme://host[:port], no path or trailing slash).`);
		if (deploying && PLACEHOLDER_HOST.test(origin.hostname)) problems.push(`APP_ORIGIN ${origin.origin} is the committed placeholder: set the portal's custom domain.`);
	}

	// The reader helper runs on each user's own PC and answers on loopback only (SPEC §8).
	const reader = parseUrl(text("READER_URL"));
	if (!reader || reader.protocol !== "http:" || !isLoopback(reader.hostname)) {
		problems.push(`READER_URL "${text("READER_URL")}" must be the local reader helper on the user's PC: http://127.0.0.1:<port>.`);
	}

	const sender = SENDER.exec(text("MAIL_FROM"));
	if (!sender) problems.push(`MAIL_FROM "${text("MAIL_FROM")}" is not a sender address (Name <address@domain>).`);
	else if (deploying && PLACEHOLDER_HOST.test(sender[1] ?? "")) problems.push(`MAIL_FROM ${text("MAIL_FROM")} is the committed placeholder: use a domain verified in Resend.`);

	const resend = parseUrl(text("RESEND_BASE_URL"));
	if (!resend || resend.protocol !== "https:") problems.push(`RESEND_BASE_URL "${text("RESEND_BASE_URL")}" must be Resend's https API.`);
	const rate = Number(text("RESEND_RATE_PER_SECOND"));
	if (!(rate > 0)) problems.push(`RESEND_RATE_PER_SECOND "${text("RESEND_RATE_PER_SECOND")}" must be a positive number (the team's rate limit).`);

	if (deploying) {
		for (const d1 of config.d1_databases) {
			if (!d1.database_id || PLACEHOLDER_D1_ID.test(d1.database_id)) {
				problems.push(`D1 binding ${d1.binding} still has the placeholder database_id: put the id of \`wrangler d1 create\` in wrangler.toml.`);
			}
		}
	}
	return problems;
}

function parseUrl(value: string): URL | null {
	try {
		return new URL(value);
	} catch {
		return null;
	}
}

function isLoopback(hostname: string): boolean {
	const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
	return host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "0.0.0.0" || /^127\./.test(host);
}

function isIpLiteral(hostname: string): boolean {
	return /^\[.*\]$/.test(hostname) || /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname);
}
