// 登入 (SPEC §7, seed 多憑證網路承保作業): 健保卡 + 註冊密碼, 自然人憑證, 工商憑證, 通行金鑰. The page only
// holds the forms; web/public/js/sign-in.js talks to the local reader helper (reader-client.js) and fills
// in the card's or certificate's answer to the server's challenge. A PIN field has no name: it is never
// part of a form submission, it goes to the reader helper only.

export const SIGN_IN_TABS = ["nhi-card", "moica", "moeaca", "passkey"] as const;
export type SignInTab = (typeof SIGN_IN_TABS)[number];

const TAB_LABELS: Record<SignInTab, string> = {
	"nhi-card": "健保卡",
	moica: "自然人憑證",
	moeaca: "工商憑證",
	passkey: "通行金鑰",
};

export type SignInPageProps = {
	tab: SignInTab;
	/** The pre-session's CSRF token. */
	csrfToken: string;
	readerUrl: string;
	error?: { code: string; message: string };
	/** The ID number typed before a refused certificate sign-in, shown again. */
	idNo?: string;
	isDev: boolean;
};

function Hidden({ names }: { names: string[] }) {
	return (
		<>
			{names.map((name) => (
				<input type="hidden" name={name} value="" />
			))}
		</>
	);
}

/** A refusal that is about the 註冊密碼 field, which then points at the message (aria-describedby). */
const PASSWORD_REFUSALS = new Set(["WRONG_PASSWORD", "NO_PASSWORD", "LOCKED"]);

function NhiCardForm({ csrfToken, error }: { csrfToken: string; error?: { code: string } }) {
	const passwordError = error !== undefined && PASSWORD_REFUSALS.has(error.code);
	return (
		<form method="post" action="/sign-in/nhi-card" id="nhi-card-form" class="form-table sign-in-form">
			<input type="hidden" name="_csrf" value={csrfToken} />
			<Hidden names={["challengeId", "cardNo", "signature", "origin"]} />
			<p class="hint">執行作業說明：請將已完成註冊的健保卡插入讀卡機，按「讀取」確認卡片後，輸入註冊密碼並按「登入」。</p>
			<table>
				<tbody>
					<tr>
						<th>◎健保卡</th>
						<td>
							<button type="button" id="nhi-read">
								讀取
							</button>{" "}
							<span id="nhi-holder" class="card-holder"></span>
						</td>
					</tr>
					<tr>
						<th>
							<label for="password">◎註冊密碼</label>
						</th>
						<td>
							<input
								type="password"
								name="password"
								id="password"
								maxlength={64}
								autocomplete="current-password"
								required
								aria-invalid={passwordError ? "true" : undefined}
								aria-describedby={passwordError ? "sign-in-error" : undefined}
							/>
						</td>
					</tr>
				</tbody>
			</table>
			<div class="actions">
				<button type="submit" id="nhi-submit">
					登入
				</button>
			</div>
		</form>
	);
}

function CertificateForm({ kind, csrfToken, idNo }: { kind: "moica" | "moeaca"; csrfToken: string; idNo?: string }) {
	const moica = kind === "moica";
	return (
		<form method="post" action={`/sign-in/${kind}`} id={`${kind}-form`} class="form-table sign-in-form" data-kind={kind}>
			<input type="hidden" name="_csrf" value={csrfToken} />
			<Hidden names={["challengeId", "certificate", "chain", "signature", "origin"]} />
			<p class="hint">
				{moica
					? "執行作業說明：請將自然人憑證插入讀卡機，輸入您的身分證號及憑證PIN碼後按「登入」。"
					: "執行作業說明：單位管理者請將投保單位的工商憑證插入讀卡機，輸入您本人的身分證號及工商憑證PIN碼後按「登入」。以工商憑證登入時，僅能處理該工商憑證所屬投保單位的作業。"}
			</p>
			<table>
				<tbody>
					<tr>
						<th>
							<label for={`${kind}-id-no`}>{moica ? "◎身分證號" : "◎單位管理者身分證號"}</label>
						</th>
						<td>
							<input type="text" name="idNo" id={`${kind}-id-no`} value={idNo ?? ""} maxlength={10} autocomplete="username" required />
						</td>
					</tr>
					<tr>
						<th>
							<label for={`${kind}-pin`}>{moica ? "◎自然人憑證PIN碼" : "◎工商憑證PIN碼"}</label>
						</th>
						<td>
							<input type="password" id={`${kind}-pin`} class="pin" maxlength={16} autocomplete="off" required />
							<span class="hint"> PIN碼只交給本機的讀卡機元件驗證，不會傳送到本網站。</span>
						</td>
					</tr>
				</tbody>
			</table>
			<div class="actions">
				<button type="submit" id={`${kind}-submit`}>
					登入
				</button>
			</div>
		</form>
	);
}

function PasskeyPanel() {
	return (
		<div class="sign-in-form">
			<p class="hint">
				已在「通行金鑰」作業綁定通行金鑰者，可直接以通行金鑰登入（手機或電腦的指紋、臉部辨識、螢幕鎖定，或實體安全金鑰）。
				通行金鑰須先以健保卡或自然人憑證登入後綁定。
			</p>
			<div class="actions">
				<button type="button" id="passkey-sign-in">
					使用通行金鑰登入
				</button>
			</div>
		</div>
	);
}

export function SignInPage(props: SignInPageProps) {
	const { tab } = props;
	return (
		<section
			id="sign-in"
			data-method={tab}
			data-reader-url={props.readerUrl}
			data-csrf={props.csrfToken}
			data-read-again={props.error?.code === "WRONG_PASSWORD" ? "nhi-card" : undefined}
		>
			<nav class="tabs" aria-label="登入方式">
				{SIGN_IN_TABS.map((t) => (
					<a href={`/sign-in?method=${t}`} class={t === tab ? "tab current" : "tab"} aria-current={t === tab ? "page" : undefined}>
						{TAB_LABELS[t]}
					</a>
				))}
			</nav>
			{props.error ? (
				<div class="alert" role="alert" id="sign-in-error" data-code={props.error.code}>
					<p>{props.error.message}</p>
				</div>
			) : null}
			<p id="sign-in-status" class="reader-status" role="status" aria-live="polite"></p>
			{tab === "nhi-card" ? <NhiCardForm csrfToken={props.csrfToken} error={props.error} /> : null}
			{tab === "moica" || tab === "moeaca" ? <CertificateForm kind={tab} csrfToken={props.csrfToken} idNo={props.idNo} /> : null}
			{tab === "passkey" ? <PasskeyPanel /> : null}
			{tab !== "passkey" ? (
				<p class="hint" id="reader-hint">
					讀卡需要在您的電腦上執行讀卡程式，下載、安裝及啟動方式請見<a href="/environment">環境說明</a>。
					{props.isDev ? (
						<>
							開發環境：<code>npm run reader</code>（<code>npm start</code> 會一併啟動）。
						</>
					) : null}
				</p>
			) : null}
			<p class="hint" id="registrant-help">
				健保卡註冊者：未收到認證信、認證信已逾5日或電子郵件信箱有誤者，請點選<a href="/verify/resend">重寄認證信</a>。
			</p>
			{props.isDev ? (
				<p class="note">
					開發環境：亦可由 <a href="/dev/sign-in">示範登入</a> 直接以示範人員身分登入。
				</p>
			) : null}
		</section>
	);
}

export function AlreadySignedIn({ name }: { name: string }) {
	return (
		<section class="system-message">
			<p>{`${name} 您好，您已登入。如需以其他身分或方式登入，請先登出。`}</p>
			<p>
				<a href="/">回首頁</a>
			</p>
		</section>
	);
}
