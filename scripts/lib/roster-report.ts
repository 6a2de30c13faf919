// What `npm run roster:load` prints for the operator feed's answer (POST /api/operator/roster): the
// counts, then every failed row by line — whether the feed loaded the good rows (200) or refused the
// call because no row could be loaded (422, same summary plus an error). Pure, so the test suite can
// feed it the portal's real answers.

type RowError = { line: number; code: string; message: string };
export type RosterSummary = { received: number; upserted: number; failed: number; errors: RowError[] };

export type RosterReport = { stdout: string[]; stderr: string[]; exitCode: number };

function isSummary(v: unknown): v is RosterSummary {
	return typeof v === "object" && v !== null && "received" in v && "upserted" in v && "failed" in v && "errors" in v && Array.isArray(v.errors);
}

function errorMessage(v: unknown): string | null {
	if (typeof v !== "object" || v === null || !("error" in v)) return null;
	const error: unknown = v.error;
	return typeof error === "object" && error !== null && "message" in error && typeof error.message === "string" ? error.message : null;
}

/** The lines for one answer of the feed; exit code 1 when the file was refused or any row failed. */
export function rosterReport(status: number, payload: unknown): RosterReport {
	const refused = status < 200 || status >= 300;
	if (!isSummary(payload)) {
		return { stdout: [], stderr: [`Refused: HTTP ${status}${payload === null ? "" : ` ${JSON.stringify(payload)}`}`], exitCode: 1 };
	}
	const stderr = refused ? [`Refused: HTTP ${status} ${errorMessage(payload) ?? ""}`.trimEnd()] : [];
	const stdout = [
		JSON.stringify({ received: payload.received, upserted: payload.upserted, failed: payload.failed }),
		...payload.errors.map((e) => `  第${e.line}行 ${e.code}: ${e.message}`),
	];
	return { stdout, stderr, exitCode: refused || payload.failed > 0 ? 1 : 0 };
}
