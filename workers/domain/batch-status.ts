// The 處理狀態 of an upload as the records page shows it (seed: 已上傳,等待入檔 / 入檔完畢; SPEC §3 adds
// 入檔中 with progress and 入檔失敗 for a file refused as a whole).

export const BATCH_STATUS_LABELS = {
	queued: "已上傳,等待入檔",
	importing: "入檔中",
	done: "入檔完畢",
	failed: "入檔失敗",
} as const;

export type BatchStatus = keyof typeof BATCH_STATUS_LABELS;
