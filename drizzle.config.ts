import { defineConfig } from "drizzle-kit";

// drizzle-kit writes the SQL; wrangler applies it (`npm run db:migrate`, and before deploy).
export default defineConfig({
	dialect: "sqlite",
	schema: "./schema/d1.ts",
	out: "./schema/migrations",
});
