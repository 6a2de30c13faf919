import { describe, expect, it } from "vitest";
import { ROW_REASONS } from "../../../workers/domain/reasons.ts";

describe("reason table", () => {
	it("uses the seed's wording for a person not insured in the unit", () => {
		expect(ROW_REASONS.NOT_INSURED.message).toBe("(非該單位在保險對象)不入檔!");
	});
});
