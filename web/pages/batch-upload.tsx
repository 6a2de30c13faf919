import { FILE_REASONS, type FileReasonCode } from "../../workers/domain/reasons.ts";
import type { SignedInPerson } from "../../workers/domain/signed-in-person.ts";
import { FileExample } from "./file-example.tsx";

export type UploadFormValues = { unitCode: string; contactName: string; contactEmail: string };

/** A form field an error is about: the field is marked invalid and points at the message. */
export type UploadField = "contactName" | "contactEmail" | "file";

type Props = {
	person: SignedInPerson;
	values: UploadFormValues;
	/** A refused file (detail: which column is where, or which byte could not be read), or a form field's message. */
	error?: { code: FileReasonCode; detail?: string } | { message: string; field?: UploadField };
};

const ERROR_ID = "upload-error";

/** The field the error is about: a file reason is about the file. */
function errorField(error: Props["error"]): UploadField | undefined {
	if (!error) return undefined;
	return "code" in error ? "file" : error.field;
}

/** aria-invalid and aria-describedby for a field (WCAG 3.3.1: the error is tied to its field). */
function invalidIf(wrong: boolean, describedBy?: string) {
	return {
		"aria-invalid": wrong ? "true" : undefined,
		"aria-describedby": [describedBy, wrong ? ERROR_ID : undefined].filter((id) => id !== undefined).join(" ") || undefined,
	};
}

function UploadError({ error }: { error: NonNullable<Props["error"]> }) {
	if ("code" in error) {
		const reason = FILE_REASONS[error.code];
		return (
			<div class="alert" role="alert" id={ERROR_ID} data-reason={error.code}>
				<p>
					<strong>入檔失敗：</strong>
					{reason.message}
					{error.detail ?? ""}
				</p>
				<p>{reason.fix}</p>
			</div>
		);
	}
	return (
		<div class="alert" role="alert" id={ERROR_ID}>
			<p>{error.message}</p>
		</div>
	);
}

/** 健保卡註冊申請整批資料上傳 (seed: 健保卡整批註冊-投保單位承辦人 1/3). */
export function UploadPage({ person, values, error }: Props) {
	const wrong = errorField(error);
	return (
		<section>
			{error ? <UploadError error={error} /> : null}
			<form method="post" action="/batches" enctype="multipart/form-data" class="form-table" id="upload-form">
				<input type="hidden" name="_csrf" value={person.csrfToken} />
				<table>
					<tbody>
						<tr>
							<th>
								<label for="unitCode">◎投保單位代號</label>
							</th>
							<td>
								{/* One unit: fixed, yet still the control the label names (a one-option select). */}
								<select name="unitCode" id="unitCode" required>
									{person.units.map((u) => (
										<option value={u.code} selected={u.code === values.unitCode}>
											{`${u.code} ${u.name}`}
										</option>
									))}
								</select>
							</td>
						</tr>
						<tr>
							<th>
								<label for="contactName">◎聯絡人</label>
							</th>
							<td>
								<input type="text" name="contactName" id="contactName" value={values.contactName} maxlength={50} required {...invalidIf(wrong === "contactName")} />
							</td>
						</tr>
						<tr>
							<th>
								<label for="contactEmail">◎聯絡人E-Mail</label>
							</th>
							<td>
								<input type="email" name="contactEmail" id="contactEmail" value={values.contactEmail} maxlength={254} required {...invalidIf(wrong === "contactEmail")} />
							</td>
						</tr>
						<tr>
							<th>
								<label for="file">檔案名稱</label>
							</th>
							<td>
								<input type="file" name="file" id="file" accept=".csv,text/csv" required {...invalidIf(wrong === "file", "file-check file-limits")} />
								<span class="hint">(只限上傳.csv檔)</span>
								<p class="hint" id="file-limits">
									檔案大小上限 10 MB，每檔最多 100,000 筆資料。
								</p>
								<p class="client-check" id="file-check" role="status" aria-live="polite"></p>
							</td>
						</tr>
					</tbody>
				</table>
				<p class="actions">
					<button type="submit" id="upload-submit">
						上傳
					</button>
					<a href="/batches/template.csv" download>
						下載範例檔 (CSV)
					</a>
					<a href="/rules">檔案製作說明與錯誤代碼</a>
				</p>
			</form>
			<section class="notes">
				<h2>說明</h2>
				<p>(一)以microsoft excel 軟體編輯檔案內容，範例如下：</p>
				<FileExample />
				<p>(二)檔案儲存步驟：</p>
				<ol>
					<li>
						檔案-&gt;另存新檔-&gt;其他格式-&gt;檔名名稱(請參考說明2)-&gt;存檔類型(請選擇:CSV(逗號分隔*.CSV))-&gt;儲存。
					</li>
					<li>
						檔名名稱說明:投保單位代號+年月日.CSV(例如:投保單位代號120000000,申請日期為1050530,檔名1200000001050530.CSV)。
					</li>
				</ol>
			</section>
		</section>
	);
}
