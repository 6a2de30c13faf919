import type { batches } from "../../schema/d1.ts";
import { BATCH_STATUS_LABELS } from "../../workers/domain/batch-status.ts";
import { formatCount, resultLine } from "../../workers/domain/count-format.ts";
import { formatRecordTime } from "../../workers/domain/taipei-time.ts";

type Batch = typeof batches.$inferSelect;

/**
 * After 入檔完畢 the registrants' windows open and their mails go out in waves (minutes for 100,000
 * rows): the batch's hand-offs by state. `superseded`: the person got a newer mail meanwhile (重寄認證信
 * or a later upload), so this batch sends them none.
 */
export type MailProgress = { sent: number; superseded: number; expected: number };

/** What the 認證信寄送 row says; web/public/js/batch-progress.js says the same as it polls. */
export function mailProgressText(p: MailProgress): string {
	const newer = p.superseded > 0 ? `（另 ${formatCount(p.superseded)} 位已改由較新的認證信通知）` : "";
	if (p.sent + p.superseded >= p.expected) return `認證信已全部寄出：${formatCount(p.sent)} 封${newer}`;
	return `認證信寄送中：已寄出 ${formatCount(p.sent)} / ${formatCount(p.expected)} 封${newer}`;
}

/** One upload's status: 已上傳,等待入檔 → 入檔中 (rows done / total) → 入檔完畢, or 入檔失敗 with the reason. */
export function BatchProgressPage({ batch, mail }: { batch: Batch; mail: MailProgress | null }) {
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
						<td id="status-cell" aria-live="polite">
							<strong id="status-label">{BATCH_STATUS_LABELS[batch.status]}</strong>{" "}
							<progress id="status-progress" max={100} value={percent} hidden={finished} aria-label="入檔進度"></progress>{" "}
							<span id="status-rows">{batch.totalRows > 0 ? `${formatCount(batch.rowsDone)} / ${formatCount(batch.totalRows)} 筆` : ""}</span>
						</td>
					</tr>
					<tr>
						<th>入檔結果</th>
						<td id="status-result">
							{batch.status === "failed" ? (
								<span class="error">{batch.failureMessage}</span>
							) : batch.status === "done" ? (
								resultLine(batch.totalRows, batch.successCount, batch.failureCount)
							) : (
								"入檔完成後，系統將以電子郵件通知承辦人並附上入檔記錄。"
							)}
						</td>
					</tr>
					<tr id="mail-row" hidden={mail === null || mail.expected === 0}>
						<th>認證信寄送</th>
						<td id="mail-progress" aria-live="polite" data-sent={mail?.sent} data-expected={mail?.expected}>
							{mail && mail.expected > 0 ? mailProgressText(mail) : ""}
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
