import type { batches } from "../../schema/d1.ts";
import { BATCH_STATUS_LABELS } from "../../workers/domain/batch-status.ts";
import { formatRecordTime } from "../../workers/domain/taipei-time.ts";

type Batch = typeof batches.$inferSelect;

/** One upload's status: 已上傳,等待入檔 → 入檔中 (rows done / total) → 入檔完畢, or 入檔失敗 with the reason. */
export function BatchProgressPage({ batch }: { batch: Batch }) {
	const finished = batch.status === "done" || batch.status === "failed";
	const percent = batch.totalRows > 0 ? Math.floor((batch.rowsDone * 100) / batch.totalRows) : 0;
	return (
		<section id="batch-progress" data-batch-id={batch.id} data-status={batch.status}>
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
						<td>
							<strong id="status-label">{BATCH_STATUS_LABELS[batch.status]}</strong>
							<progress id="status-progress" max={100} value={percent} hidden={finished}></progress>
							<span id="status-rows">{batch.totalRows > 0 ? `${batch.rowsDone} / ${batch.totalRows} 筆` : ""}</span>
						</td>
					</tr>
					<tr>
						<th>入檔結果</th>
						<td id="status-result">
							{batch.status === "failed" ? (
								<span class="error">{batch.failureMessage}</span>
							) : batch.status === "done" ? (
								`總共上傳${batch.totalRows}筆,成功註冊${batch.successCount}筆,失敗${batch.failureCount}筆`
							) : (
								"入檔完成後，系統將以電子郵件通知承辦人並附上入檔記錄。"
							)}
						</td>
					</tr>
				</tbody>
			</table>
			<p class="actions" id="result-links" hidden={!finished}>
				<a href={`/batches/${batch.id}/log`}>入檔記錄</a>
				<a href={`/batches/${batch.id}/result.csv`}>下載結果CSV</a>
				<a href="/batches">健保卡註冊申請上傳紀錄查詢</a>
			</p>
		</section>
	);
}
