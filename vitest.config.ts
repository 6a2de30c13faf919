import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
	const migrations = await readD1Migrations(path.join(import.meta.dirname, "schema/migrations"));
	return {
		plugins: [
			cloudflareTest({
				wrangler: { configPath: "./wrangler.toml" },
				miniflare: {
					// Test-only bindings; declared for TypeScript in test/env.d.ts.
					bindings: {
						TEST_MIGRATIONS: migrations,
						OPERATOR_TOKEN: "test-operator-token",
						RESEND_API_KEY: "re_test_key",
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
