// Who is signed in, as every route, middleware and service sees them (SPEC §7). The session service
// (services/sessions.ts) builds it from D1 on each request; here it is only a shape, so the Hono
// environment (env.ts) and the services can both name it without importing each other.
import type { StaffRole } from "../../schema/d1.ts";

export type SignInMethod = "nhi-card" | "moica" | "moeaca" | "passkey" | "demo";

/** One unit the person may act for, and as what: 承辦人 (clerk) or 單位管理者 (manager). */
export type UnitAccess = { code: string; name: string; role: StaffRole };

export type SignedInPerson = {
	idNo: string;
	name: string;
	email: string | null;
	method: string;
	/** 工商憑證 sign-in: the 統一編號 the session is limited to; null otherwise. */
	actingBan: string | null;
	csrfToken: string;
	tokenHash: string;
	units: UnitAccess[];
};
