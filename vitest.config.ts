import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { DEV_VARS } from "./scripts/lib/dev-vars.ts";

/**
 * Stand-ins for wrangler.toml's `[secrets] required`. Without a .dev.vars (CI's fresh clone) wrangler looks
 * for them in process.env and warns for each missing one; the bindings below are what the tests get.
 */
const TEST_SECRETS = { OPERATOR_TOKEN: "test-operator-token", RESEND_API_KEY: "re_test_key", TRUSTED_ROOTS_PEM: "" };
for (const [name, value] of Object.entries(TEST_SECRETS)) process.env[name] ??= value;

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations"));
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					// Development over wrangler.toml's production vars (scripts/lib/dev-vars.ts), and the
					// test-only bindings, declared for TypeScript in test/env.d.ts.
					bindings: {
						...DEV_VARS,
						TEST_MIGRATIONS: migrations,
						OPERATOR_TOKEN: TEST_SECRETS.OPERATOR_TOKEN,
						RESEND_API_KEY: TEST_SECRETS.RESEND_API_KEY,
					},
				},
			}),
		],
		test: {
			include: ["test/unit/**/*.test.ts", "test/integration/**/*.test.ts"],
			setupFiles: ["./test/apply-migrations.ts"],
			// A local stand-in for the Resend API (the real one is not reachable from tests).
			globalSetup: ["./test/resend-server.global.ts"],
			testTimeout: 30_000,
		},
	};
});
