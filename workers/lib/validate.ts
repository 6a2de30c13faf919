import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { $ZodType } from "zod/v4/core";
import { AppError } from "../errors.ts";

/** zValidator whose failures go through app.onError as BAD_REQUEST, like every other error. */
export function validate<T extends $ZodType, Target extends keyof ValidationTargets>(target: Target, schema: T) {
	return zValidator(target, schema, (result) => {
		if (!result.success) throw new AppError("BAD_REQUEST");
	});
}
