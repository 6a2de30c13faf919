import type { DrizzleD1Database } from "drizzle-orm/d1";
import type * as schema from "../schema/d1.ts";
import type { SignedInPerson } from "./domain/signed-in-person.ts";

/** drizzle over D1; `$client` is the D1 binding itself, for the bulk json_each statements. */
export type Db = DrizzleD1Database<typeof schema> & { $client: D1Database };

/** Hono environment shared by every route and middleware. */
export type AppEnv = {
	Bindings: Env;
	Variables: {
		requestId: string;
		db: Db;
		/** The signed-in person, or null (set by the session middleware on every request). */
		person: SignedInPerson | null;
		/** Why this browser's session just ended (a revoked authorization), for the page to say; else null. */
		sessionEnded: string | null;
	};
};
