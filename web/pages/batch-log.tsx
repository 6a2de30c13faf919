import type { batches } from "../../schema/d1.ts";
import { BATCH_STATUS_LABELS } from "../../workers/domain/batch-status.ts";
import { formatRecordTime } from "../../workers/domain/taipei-time.ts";
import type { BatchLog } from "../../workers/services/batch-results.ts";

type Batch = typeof batches.$inferSelect;

/** The page shows at most this many log lines (head and the closing totals); the download has all. */
export const LOG_VIEW_MAX_LINES = 2_000;
/** 結束執行... and the totals line always show. */
const TAIL_LINES = 2;

function visibleText(lines: readonly string[]): { text: string; truncated: boolean } {
	if (lines.length <= LOG_VIEW_MAX_LINES) return { text: lines.join(""), truncated: false };
	const head = lines.slice(0, LOG_VIEW_MAX_LINES - TAIL_LINES);
	const tail = lines.slice(-TAIL_LINES);
	return { text: `${head.join("")}……\r\n${tail.join("")}`, truncated: true };
}

/** 入檔記錄: the log as Notepad would show it, with its download and the result CSV. */
export function BatchLogPage({ batch, log }: { batch: Batch; log: BatchLog | null }) {
	const shown = log ? visibleText(log.lines) : null;
	return (
		<section id="batch-log" data-batch-id={batch.id}>
			<table class="form-table">
				<tbody>
					<tr>
						<th>上傳檔名</th>
						<td>{batch.fileName}</td>
					</tr>
					<tr>
						<th>上傳時間</th>
						<td>{formatRecordTime(batch.uploadedAt)}</td>
					</tr>
					<tr>
						<th>處理狀態</th>
						<td>{BATCH_STATUS_LABELS[batch.status]}</td>
					</tr>
					<tr>
						<th>上傳人員</th>
						<td>{batch.uploaderName}</td>
					</tr>
				</tbody>
			</table>
			{log && shown ? (
				<>
					<h2 id="log-file-name">{log.fileName}</h2>
					<p class="actions">
						<a class="button" href={`/batches/${batch.id}/log/download`} download={log.fileName}>
							下載
						</a>
						<a href={`/batches/${batch.id}/result.csv`}>下載結果CSV</a>
						<a href="/batches">回上傳紀錄查詢</a>
					</p>
					{shown.truncated ? (
						<p class="note">{`入檔記錄共${log.lines.length}行，此處僅顯示部分內容；完整內容請按「下載」。`}</p>
					) : null}
					{/* A long log scrolls in its box: focusable, so the keyboard can scroll it too. */}
					<pre class="log" tabindex={0} role="region" aria-label="入檔記錄內容">
						{shown.text}
					</pre>
				</>
			) : (
				<>
					<p class="system-message">入檔尚未完畢，完成後即可查看入檔記錄；系統亦會以電子郵件通知承辦人。</p>
					<p class="actions">
						<a href="/batches">回上傳紀錄查詢</a>
					</p>
				</>
			)}
		</section>
	);
}
