import { describe, expect, it } from "vitest";
import { BATCH_STATUS_LABELS } from "../../../workers/domain/batch-status.ts";

describe("batch status labels", () => {
	it("uses the seed's 處理狀態 wording", () => {
		expect(BATCH_STATUS_LABELS.queued).toBe("已上傳,等待入檔");
		expect(BATCH_STATUS_LABELS.done).toBe("入檔完畢");
	});

	it("names the in-progress and whole-file failure states", () => {
		expect(BATCH_STATUS_LABELS.importing).toBe("入檔中");
		expect(BATCH_STATUS_LABELS.failed).toBe("入檔失敗");
	});
});
