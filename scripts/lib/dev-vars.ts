// Development is turned on explicitly. wrangler.toml's [vars] are production's (a plain `wrangler deploy`
// publishes no development page and mails no loopback link); npm start, the tests (vitest.config.ts) and
// every script that runs `wrangler dev` (scripts/lib/wrangler-dev.ts) lay these over them — as `--var`
// flags or Miniflare bindings, never through .dev.vars, which `wrangler types` would read too.

/** The variables development changes, and to what. */
export const DEV_VARS = {
	/** Turns on /dev/sign-in (示範登入) and /dev/mailbox (開發用信箱). */
	ENVIRONMENT: "development",
	/** Mail stays in D1 (mail_outbox), shown by /dev/mailbox; nothing goes to Resend. */
	MAIL_TRANSPORT: "outbox",
	/** The local portal (npm start's port), for the links in mails. */
	APP_ORIGIN: "http://127.0.0.1:8787",
} as const satisfies Record<string, string>;

/** `--var NAME:VALUE` flags for wrangler dev. */
export function varFlags(vars: Readonly<Record<string, string>>): string[] {
	return Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
}
