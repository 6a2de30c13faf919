import { describe, expect, it } from "vitest";
import { waveSize, WINDOW_WAVE, WINDOWS_IN_FLIGHT } from "../../workers/services/verification.ts";

describe("the verify step's wave size", () => {
	it("opens full waves for a batch alone, and shares the windows in flight when many batches open theirs at once", () => {
		expect(waveSize(1)).toBe(WINDOW_WAVE);
		expect(waveSize(0)).toBe(WINDOW_WAVE);
		expect(waveSize(50) * 50).toBeLessThanOrEqual(WINDOWS_IN_FLIGHT);
		expect(waveSize(50)).toBeGreaterThan(0);
		expect(waveSize(10_000)).toBeGreaterThan(0);
	});
});
