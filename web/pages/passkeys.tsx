// 通行金鑰 (SPEC §7): the signed-in person's passkeys, binding a new one (web/public/js/passkeys.js does
// the navigator.credentials part) and deleting one.
import { formatLogTime } from "../../workers/domain/taipei-time.ts";
import type { PasskeyRow } from "../../workers/services/passkeys.ts";

type Props = {
	csrfToken: string;
	passkeys: PasskeyRow[];
	/** False after a 工商憑證, passkey or demo sign-in: binding needs a card or 自然人憑證 sign-in. */
	mayBind: boolean;
	notice?: string;
};

export function PasskeysPage({ csrfToken, passkeys, mayBind, notice }: Props) {
	return (
		<section id="passkeys" data-csrf={csrfToken}>
			<p class="hint">
				通行金鑰（passkey）讓您以手機或電腦的指紋、臉部辨識、螢幕鎖定或實體安全金鑰登入，不需讀卡機。
				綁定後，登入頁「通行金鑰」即可直接登入。
			</p>
			{notice ? (
				<p class="notice" role="status">
					{notice}
				</p>
			) : null}
			<p id="passkey-status" class="reader-status" role="status" aria-live="polite"></p>
			<table class="grid" id="passkey-list">
				<thead>
					<tr>
						<th>名稱</th>
						<th>綁定時間</th>
						<th>上次使用</th>
						<th>
							<span class="visually-hidden">刪除</span>
						</th>
					</tr>
				</thead>
				<tbody>
					{passkeys.length === 0 ? (
						<tr>
							<td colspan={4}>尚未綁定通行金鑰。</td>
						</tr>
					) : (
						passkeys.map((p) => (
							<tr>
								<td>{p.label}</td>
								<td>{formatLogTime(p.createdAt)}</td>
								<td>{p.lastUsedAt === null ? "—" : formatLogTime(p.lastUsedAt)}</td>
								<td>
									<form method="post" action={`/passkeys/${encodeURIComponent(p.id)}/delete`}>
										<input type="hidden" name="_csrf" value={csrfToken} />
										<button type="submit">刪除</button>
									</form>
								</td>
							</tr>
						))
					)}
				</tbody>
			</table>
			<h2>綁定新的通行金鑰</h2>
			{mayBind ? (
				<form id="passkey-bind-form" class="form-table">
					<table>
						<tbody>
							<tr>
								<th>
									<label for="passkey-label">◎名稱</label>
								</th>
								<td>
									<input type="text" id="passkey-label" name="label" maxlength={40} value="我的通行金鑰" required />
								</td>
							</tr>
						</tbody>
					</table>
					<div class="actions">
						<button type="submit" id="passkey-bind">
							綁定通行金鑰
						</button>
					</div>
				</form>
			) : (
				<p class="note">綁定通行金鑰前，請先以健保卡或自然人憑證登入（以工商憑證或通行金鑰登入時不能綁定）。</p>
			)}
		</section>
	);
}
