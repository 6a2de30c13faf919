// Counts on the clerk's pages (issue 15: 100,000 rows must read as 100,000, not 100000). The log and the
// mails keep the seed's bare digits (總共上傳4筆); pages group thousands as zh-TW does, with commas.

/** 100000 → "100,000". */
export function formatCount(n: number): string {
	return Math.trunc(n).toLocaleString("zh-TW");
}

/** 總共上傳N筆,成功註冊N筆,失敗N筆 — the seed's result line, with grouped counts for a page. */
export function resultLine(total: number, success: number, failure: number): string {
	return `總共上傳${formatCount(total)}筆,成功註冊${formatCount(success)}筆,失敗${formatCount(failure)}筆`;
}
