import { BATCH_STATUS_LABELS } from "../../workers/domain/batch-status.ts";
import { formatCount } from "../../workers/domain/count-format.ts";
import { formatRecordTime } from "../../workers/domain/taipei-time.ts";
import type { BatchRecord, RecordsField, RecordStatusFilter, RecordsForm } from "../../workers/services/batch-records.ts";
import type { UnitAccess } from "../../workers/domain/signed-in-person.ts";

export type RecordsResult = { total: number; page: number; pages: number; rows: BatchRecord[] };

type Props = {
	units: UnitAccess[];
	form: RecordsForm;
	/** A zh-TW message about the filters, shown above the form. */
	message?: string;
	/** The fields the message is about: marked invalid, pointing at it. */
	invalid?: RecordsField[];
	result?: RecordsResult;
};

const STATUS_CHOICES: { value: RecordStatusFilter; label: string }[] = [
	{ value: "queued", label: BATCH_STATUS_LABELS.queued },
	{ value: "importing", label: BATCH_STATUS_LABELS.importing },
	{ value: "done", label: BATCH_STATUS_LABELS.done },
	{ value: "failed", label: BATCH_STATUS_LABELS.failed },
	{ value: "all", label: "全部" },
];

/** The records URL for `page` with the same filters. */
export function recordsHref(form: RecordsForm, page: number): string {
	const params = new URLSearchParams({ unitCode: form.unitCode, from: form.from, to: form.to, status: form.status, page: String(page) });
	return `/batches?${params.toString()}`;
}

const MESSAGE_ID = "query-message";

/** aria-invalid and aria-describedby for a filter the message is about (WCAG 3.3.1). */
function invalidIf(wrong: boolean) {
	return wrong ? { "aria-invalid": "true", "aria-describedby": MESSAGE_ID } : {};
}

/** One unit: fixed, yet still the control ◎投保單位代號 names (a one-option select, no 全部). */
function UnitField({ units, selected, wrong }: { units: UnitAccess[]; selected: string; wrong: boolean }) {
	const single = units.length === 1 ? units[0] : undefined;
	if (single) {
		return (
			<select name="unitCode" id="unitCode">
				<option value={single.code} selected>{`${single.code} ${single.name}`}</option>
			</select>
		);
	}
	return (
		<select name="unitCode" id="unitCode" {...invalidIf(wrong)}>
			<option value="" selected={selected === ""}>
				全部
			</option>
			{units.map((u) => (
				<option value={u.code} selected={u.code === selected}>
					{`${u.code} ${u.name}`}
				</option>
			))}
		</select>
	);
}

function StatusCell({ row }: { row: BatchRecord }) {
	switch (row.status) {
		case "importing":
			return <>{`${BATCH_STATUS_LABELS.importing} (${formatCount(row.rowsDone)} / ${formatCount(row.totalRows)})`}</>;
		case "failed":
			return (
				<>
					{BATCH_STATUS_LABELS.failed}
					{row.failureMessage ? (
						<>
							<br />
							<span class="error">{row.failureMessage}</span>
						</>
					) : null}
				</>
			);
		default:
			return <>{BATCH_STATUS_LABELS[row.status]}</>;
	}
}

function ResultCell({ row }: { row: BatchRecord }) {
	if (row.status !== "done" && row.status !== "failed") return <span class="hint">處理中</span>;
	return (
		<span class="actions">
			<a class="button" href={`/batches/${row.id}/log`}>
				入檔記錄
			</a>
			<a href={`/batches/${row.id}/result.csv`}>結果CSV</a>
		</span>
	);
}

/** Counts are final only once the batch has ended; until then they read as "-". */
function countText(row: BatchRecord, n: number): string {
	return row.status === "done" || row.status === "failed" ? formatCount(n) : "-";
}

/**
 * 註冊者狀態 (beyond the seed, SPEC §5): the upload's registrants 待認證 / 已認證 / 已逾期 (a registrant who has
 * not confirmed within the 5 days), and 已轉至較新上傳 for those a newer upload registered again (they
 * count there). Known once the batch has ended.
 */
function RegistrantsCell({ row }: { row: BatchRecord }) {
	if (row.status !== "done") return <>-</>;
	const { pending, verified, expired, moved } = row.registrants;
	return <>{`待認證 ${formatCount(pending)} / 已認證 ${formatCount(verified)} / 已逾期 ${formatCount(expired)}${moved > 0 ? ` / 已轉至較新上傳 ${formatCount(moved)}` : ""}`}</>;
}

function Pager({ form, result }: { form: RecordsForm; result: RecordsResult }) {
	const { page, pages } = result;
	return (
		<p class="pager actions">
			<span id="records-summary">{`【共${formatCount(result.total)}筆資料】【${page}/${pages}頁】`}</span>
			{page > 1 ? (
				<>
					<a href={recordsHref(form, 1)}>第一頁</a>
					<a href={recordsHref(form, page - 1)} rel="prev">
						上一頁
					</a>
				</>
			) : null}
			{page < pages ? (
				<>
					<a href={recordsHref(form, page + 1)} rel="next">
						下一頁
					</a>
					<a href={recordsHref(form, pages)}>最末頁</a>
				</>
			) : null}
		</p>
	);
}

/** The table scrolls sideways inside its own box on a narrow screen; the page itself does not. */
function RecordsTable({ rows }: { rows: BatchRecord[] }) {
	return (
		<div class="table-scroll" role="region" aria-label="上傳紀錄" tabindex={0}>
			<RecordsGrid rows={rows} />
		</div>
	);
}

function RecordsGrid({ rows }: { rows: BatchRecord[] }) {
	return (
		<table class="grid" id="records">
			<thead>
				<tr>
					<th>上傳檔名</th>
					<th>聯絡人</th>
					<th>上傳時間</th>
					<th>上傳筆數</th>
					<th>成功筆數</th>
					<th>失敗筆數</th>
					<th>處理狀態</th>
					<th>入檔結果</th>
					<th>註冊者狀態</th>
					<th>上傳人員</th>
				</tr>
			</thead>
			<tbody>
				{rows.map((row) => (
					<tr data-batch-id={row.id} data-status={row.status}>
						<td>{row.fileName}</td>
						<td class="name">{row.contactName}</td>
						<td>{formatRecordTime(row.uploadedAt)}</td>
						<td>{row.status === "queued" ? "-" : formatCount(row.totalRows)}</td>
						<td>{countText(row, row.successCount)}</td>
						<td>{countText(row, row.failureCount)}</td>
						<td>
							<StatusCell row={row} />
						</td>
						<td>
							<ResultCell row={row} />
						</td>
						<td class="registrants">
							<RegistrantsCell row={row} />
						</td>
						<td class="name">{row.uploaderName}</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}

/** 健保卡註冊申請上傳紀錄查詢 (seed: 健保卡整批註冊-投保單位承辦人3/3). */
export function BatchRecordsPage({ units, form, message, invalid = [], result }: Props) {
	return (
		<section>
			{message ? (
				<div class="alert" role="alert" id={MESSAGE_ID}>
					<p>{message}</p>
				</div>
			) : null}
			<form method="get" action="/batches" id="records-form">
				<table class="form-table">
					<tbody>
						<tr>
							<th>
								<label for="unitCode">◎投保單位代號</label>
							</th>
							<td>
								<UnitField units={units} selected={form.unitCode} wrong={invalid.includes("unitCode")} />
							</td>
						</tr>
						<tr>
							<th>
								<label for="from">上傳日期</label>
							</th>
							<td>
								<input type="text" name="from" id="from" value={form.from} maxlength={7} size={8} inputmode="numeric" aria-label="上傳日期起日" {...invalidIf(invalid.includes("from"))} />
								{" ~ "}
								<input type="text" name="to" id="to" value={form.to} maxlength={7} size={8} inputmode="numeric" aria-label="上傳日期迄日" {...invalidIf(invalid.includes("to"))} />
								<span class="hint">(輸入格式如:民國105年9月1日,請輸入民國1050901)</span>
							</td>
						</tr>
						<tr>
							<th>處理狀態</th>
							<td>
								<fieldset class="radios">
									<legend class="visually-hidden">處理狀態</legend>
									{STATUS_CHOICES.map((choice) => (
										<label class="radio">
											<input type="radio" name="status" value={choice.value} checked={form.status === choice.value} />
											{choice.label}
										</label>
									))}
								</fieldset>
							</td>
						</tr>
					</tbody>
				</table>
				<p class="actions">
					<button type="submit">查詢</button>
					<a class="button" href="/batches">
						清除
					</a>
				</p>
				<p class="hint">紀錄檔查詢，若非單位管理者僅能看承辦人自己上傳資料，若為單位管理者可以查看單位全部資料。可查詢近3個月的上傳紀錄。</p>
			</form>
			{result ? (
				<>
					<Pager form={form} result={result} />
					{result.rows.length > 0 ? <RecordsTable rows={result.rows} /> : <p>查無符合條件的上傳紀錄。</p>}
				</>
			) : null}
		</section>
	);
}
