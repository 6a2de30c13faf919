// 授權管理 (SPEC §1): a unit manager's list of the unit's staff, the form to authorize a clerk (承辦人)
// and a 註銷授權 button per active clerk. IDs are shown masked; the revoke form carries the row's opaque
// staff id, never the full ID.
import { formatLogTime } from "../../workers/domain/taipei-time.ts";
import type { StaffEntry } from "../../workers/services/staff.ts";

export type ClerkFormValues = { idNo: string; name: string; email: string };

type Props = {
	csrfToken: string;
	unit: { code: string; name: string };
	/** The units this person manages (a select when more than one). */
	managedUnits: { code: string; name: string }[];
	staff: StaffEntry[];
	values: ClerkFormValues;
	error?: string;
	notice?: string;
	/** 註銷授權's first step: the clerk to confirm revoking. */
	confirmRevoke?: StaffEntry;
};

/** 註銷授權, second step: whom, in which unit, and what follows; 確定註銷 or 取消. */
function ConfirmRevoke({ csrfToken, unit, clerk }: { csrfToken: string; unit: { code: string; name: string }; clerk: StaffEntry }) {
	return (
		<section class="confirm" id="revoke-confirm" role="alertdialog" aria-labelledby="revoke-confirm-title" aria-describedby="revoke-confirm-text">
			<h2 id="revoke-confirm-title">確認註銷授權</h2>
			<p id="revoke-confirm-text">
				{`確定要註銷 ${clerk.name}（${clerk.maskedId}）在「${unit.code} ${unit.name}」的承辦人授權嗎？註銷後其登入狀態立即失效，該承辦人下次操作時會看到授權已由單位管理者註銷的說明。`}
			</p>
			<form method="post" action="/staff/revoke" class="actions">
				<input type="hidden" name="_csrf" value={csrfToken} />
				<input type="hidden" name="unitCode" value={unit.code} />
				<input type="hidden" name="staffId" value={clerk.staffId} />
				<input type="hidden" name="confirm" value="yes" />
				<button type="submit" id="revoke-confirm-submit">
					確定註銷
				</button>
				<a class="button" href={`/staff?unit=${unit.code}`}>
					取消
				</a>
			</form>
		</section>
	);
}

export function StaffPage({ csrfToken, unit, managedUnits, staff, values, error, notice, confirmRevoke }: Props) {
	return (
		<section id="staff">
			{managedUnits.length > 1 ? (
				<form method="get" action="/staff" class="actions">
					<label for="unit">投保單位代號</label>
					<select name="unit" id="unit">
						{managedUnits.map((u) => (
							<option value={u.code} selected={u.code === unit.code}>{`${u.code} ${u.name}`}</option>
						))}
					</select>
					<button type="submit">切換</button>
				</form>
			) : (
				<p>{`投保單位：${unit.code} ${unit.name}`}</p>
			)}
			{error ? (
				<div class="alert" role="alert">
					<p>{error}</p>
				</div>
			) : null}
			{confirmRevoke ? <ConfirmRevoke csrfToken={csrfToken} unit={unit} clerk={confirmRevoke} /> : null}
			{notice ? (
				<p class="notice" role="status">
					{notice}
				</p>
			) : null}
			<h2>本單位授權人員</h2>
			<table class="grid" id="staff-list">
				<thead>
					<tr>
						<th>身分證號</th>
						<th>姓名</th>
						<th>身分</th>
						<th>E-Mail</th>
						<th>授權時間</th>
						<th>授權者</th>
						<th>狀態</th>
						<th>
							<span class="visually-hidden">操作</span>
						</th>
					</tr>
				</thead>
				<tbody>
					{staff.map((s) => (
						<tr data-id={s.maskedId}>
							<td>{s.maskedId}</td>
							<td>{s.name}</td>
							<td>{s.role === "manager" ? "單位管理者" : "承辦人"}</td>
							<td>{s.email}</td>
							<td>{formatLogTime(s.authorizedAt)}</td>
							<td>{s.authorizedBy ?? "—"}</td>
							<td>{s.revokedAt === null ? "授權中" : `已註銷（${formatLogTime(s.revokedAt)}）`}</td>
							<td>
								{s.role === "clerk" && s.revokedAt === null ? (
									<form method="post" action="/staff/revoke">
										<input type="hidden" name="_csrf" value={csrfToken} />
										<input type="hidden" name="unitCode" value={unit.code} />
										<input type="hidden" name="staffId" value={s.staffId} />
										<button type="submit">註銷授權</button>
									</form>
								) : null}
							</td>
						</tr>
					))}
				</tbody>
			</table>
			<h2>新增承辦人</h2>
			<form method="post" action="/staff" class="form-table" id="authorize-form">
				<input type="hidden" name="_csrf" value={csrfToken} />
				<input type="hidden" name="unitCode" value={unit.code} />
				<table>
					<tbody>
						<tr>
							<th>
								<label for="clerk-id-no">◎身分證號</label>
							</th>
							<td>
								<input type="text" name="idNo" id="clerk-id-no" value={values.idNo} maxlength={10} required />
							</td>
						</tr>
						<tr>
							<th>
								<label for="clerk-name">◎姓名</label>
							</th>
							<td>
								<input type="text" name="name" id="clerk-name" value={values.name} maxlength={50} required />
							</td>
						</tr>
						<tr>
							<th>
								<label for="clerk-email">◎E-Mail</label>
							</th>
							<td>
								<input type="email" name="email" id="clerk-email" value={values.email} maxlength={254} required />
							</td>
						</tr>
					</tbody>
				</table>
				<div class="actions">
					<button type="submit" id="authorize-submit">
						授權
					</button>
				</div>
			</form>
			<p class="hint">承辦人以本人已註冊的健保卡（加註冊密碼）、自然人憑證或已綁定的通行金鑰登入後，即可為本單位上傳資料；註銷授權後，其登入狀態立即失效。</p>
		</section>
	);
}
