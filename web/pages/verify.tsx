// 健保卡網路服務註冊-電子信箱認證 (SPEC §6; seed 健保卡整批註冊-註冊申請人2/2): the page a verification mail's
// link opens. The seed's table — 系統訊息, 執行作業說明, *姓名 with 讀取, *請輸入新的註冊密碼 with the
// meter 弱/中/中強/強, 再次確認註冊密碼, 注意事項 — then 確定 and 回登入頁. web/public/js/verify.js reads the
// card through the local reader helper, shows the password rows (the seed's second screen), drives the
// meter and fills in the card's answer to the server's challenge. The ticket travels in the form body only.
import type { Child } from "hono/jsx";
import { PASSWORD_MAX_LENGTH, STRENGTHS } from "../../workers/domain/password.ts";
import { formatDeadline, RESEND_PATH } from "../../workers/services/verification-mail.ts";
import { ENVIRONMENT_PATH } from "./environment.tsx";

export const VERIFY_TITLE = "健保卡網路服務註冊-電子信箱認證";
export const SIGN_IN_PATH = "/sign-in";

/** The page's browser binding: the reader helper's address and the CSRF token of the challenge and form POSTs. */
export type ReaderPageProps = { readerUrl: string; csrfToken: string };

export type PageMessage = { text: string; code?: string; isError?: boolean };

/** The seed's 系統訊息 row: where the server's answer (and the page script's) is shown. */
export function SystemMessageRow({ message }: { message?: PageMessage }) {
	return (
		<tr>
			<th>系統訊息</th>
			<td id="system-message" class={message?.isError ? "error" : undefined} role="status" aria-live="polite" data-code={message?.code}>
				{message?.text ?? ""}
			</td>
		</tr>
	);
}

/** *姓名 [ ] 讀取: the card holder's name as the card gives it, for the registrant to recognise. */
export function CardNameRow() {
	return (
		<tr>
			<th>
				<label for="card-name">*姓名</label>
			</th>
			<td>
				<input type="text" id="card-name" readonly size={16} />{" "}
				<button type="button" id="card-read">
					讀取
				</button>{" "}
				<span class="hint">請晶片讀卡機插入健保卡後，按「讀取」驗證健保卡</span>
			</td>
		</tr>
	);
}

/** The card's answer, filled in by verify.js: which challenge, which card, the signature. */
export function CardProofFields() {
	return (
		<>
			<input type="hidden" name="challengeId" value="" />
			<input type="hidden" name="cardNo" value="" />
			<input type="hidden" name="signature" value="" />
		</>
	);
}

/**
 * Shown on a touch screen only (app.css .phone-only): a phone cannot reach a card reader, and the mail's
 * link is usually opened on one first (issue 13 item 7). Said before anything is tried.
 */
export function PhoneNotice() {
	return (
		<p class="phone-only note" id="phone-notice">
			本作業需要以電腦連接晶片讀卡機讀取健保卡，手機或平板無法完成。請改用已安裝讀卡程式的電腦開啟認證信中的連結（
			<a href={ENVIRONMENT_PATH}>環境說明</a>）。
		</p>
	);
}

export function NoScript() {
	return (
		<noscript>
			<p class="alert">本作業需由網頁程式讀取健保卡，請啟用瀏覽器的 JavaScript 後重新整理本頁。</p>
		</noscript>
	);
}

/**
 * The seed's 弱/中/中強/強, lit by verify.js. The level (or the rule the password breaks) is also said in
 * words in #strength-text, which screen readers announce (aria-live); the boxes themselves are hidden
 * from them.
 */
function StrengthMeter() {
	return (
		<>
			<span class="meter" id="strength-meter" data-strength="" aria-hidden="true">
				{STRENGTHS.map((level) => (
					<span class="level" data-level={level}>
						{level}
					</span>
				))}
			</span>{" "}
			<span id="strength-text" class="meter-text" role="status" aria-live="polite"></span>
		</>
	);
}

type FormProps = ReaderPageProps & {
	ticket: string;
	unitName: string;
	expiresAt: number;
	message?: PageMessage;
};

function VerifyForm(props: FormProps) {
	const message = props.message ?? {
		text: `本認證信由「${props.unitName}」為您申請，請於${formatDeadline(props.expiresAt)}前完成健保卡註冊認證及註冊密碼設定。`,
	};
	return (
		<form method="post" action="/verify" id="verify-form" data-card-form="confirm">
			<input type="hidden" name="_csrf" value={props.csrfToken} />
			<input type="hidden" name="ticket" value={props.ticket} />
			<CardProofFields />
			<table class="form-table verify-table">
				<tbody>
					<SystemMessageRow message={message} />
					<tr>
						<th>執行作業說明</th>
						<td>
							<p class="step">
								1. 如您的電腦尚未進行健保卡註冊系統環境設定及安裝元件，請先至健保卡網路服務註冊頁面執行。（<a href={ENVIRONMENT_PATH}>環境說明</a>）
							</p>
							<p class="step">2. 電腦連結晶片讀卡機及健保卡</p>
						</td>
					</tr>
					<CardNameRow />
					<tr class="after-read" hidden>
						<th>
							<label for="password">*請輸入新的註冊密碼</label>
						</th>
						<td>
							<input
								type="password"
								name="password"
								id="password"
								maxlength={PASSWORD_MAX_LENGTH}
								autocomplete="new-password"
								aria-describedby="password-length-rule strength-text password-strong-rule"
							/>{" "}
							<span class="hint" id="password-length-rule">
								註冊密碼長度必需6-12碼。
							</span>{" "}
							<StrengthMeter />
						</td>
					</tr>
					<tr class="after-read" hidden>
						<th>
							<label for="password-confirm">再次確認註冊密碼</label>
						</th>
						<td>
							<input type="password" name="passwordConfirm" id="password-confirm" maxlength={PASSWORD_MAX_LENGTH} autocomplete="new-password" />{" "}
							<span class="hint" id="password-strong-rule">
								{"※強式密碼包含英文大寫、英文小寫、數字、特殊符號(如-!@#%&)混合並且長度8碼以上"}
							</span>
						</td>
					</tr>
					<tr>
						<th>注意事項</th>
						<td>若您已認證行動裝置，此密碼會同步變更「健保快易通」登入註冊密碼。</td>
					</tr>
				</tbody>
			</table>
			<p class="actions">
				<button type="submit" id="verify-submit">
					確定
				</button>
				<a class="button" href={SIGN_IN_PATH}>
					回登入頁
				</a>
			</p>
		</form>
	);
}

/** A link that can no longer be used: why, and what to do instead. */
function ClosedLink({ message, offerResend }: { message: PageMessage; offerResend: boolean }) {
	return (
		<>
			<table class="form-table verify-table">
				<tbody>
					<SystemMessageRow message={message} />
				</tbody>
			</table>
			<p class="actions">
				{offerResend ? (
					<a class="button" href={RESEND_PATH} id="resend-link">
						重寄認證信
					</a>
				) : null}
				<a class="button" href={SIGN_IN_PATH}>
					回登入頁
				</a>
			</p>
		</>
	);
}

/** /verify opened without a link's ticket (e.g. typed, or from a bookmark): where to go instead. */
function StartFromTheMail() {
	return (
		<>
			<table class="form-table verify-table">
				<tbody>
					<SystemMessageRow message={{ code: "NO_TICKET", text: "請由認證信中的連結進入本頁，完成健保卡註冊認證及註冊密碼設定。" }} />
					<tr>
						<th>執行作業說明</th>
						<td>
							<p class="step">
								1. 如您的電腦尚未進行健保卡註冊系統環境設定及安裝元件，請先至<a href={ENVIRONMENT_PATH}>環境說明</a>執行。
							</p>
							<p class="step">2. 未收到認證信、未於5日內完成認證或電子郵件信箱有誤者，請點選「重寄認證信」申請新的認證信。</p>
						</td>
					</tr>
				</tbody>
			</table>
			<p class="actions">
				<a class="button" href={RESEND_PATH} id="resend-link">
					重寄認證信
				</a>
				<a class="button" href={SIGN_IN_PATH}>
					回登入頁
				</a>
			</p>
		</>
	);
}

export type VerifyPageProps =
	| { view: "start" }
	| ({ view: "form" } & FormProps)
	| { view: "closed"; state: "expired" | "spent" | "superseded" | "unknown"; message: PageMessage }
	| { view: "done"; message: string };

function Frame({ children, props }: { children: Child; props?: ReaderPageProps }) {
	return (
		<section id="verify" data-reader-url={props?.readerUrl} data-csrf={props?.csrfToken}>
			<PhoneNotice />
			<NoScript />
			{children}
		</section>
	);
}

export function VerifyPage(props: VerifyPageProps) {
	switch (props.view) {
		case "start":
			return (
				<section id="verify" data-state="start">
					<StartFromTheMail />
				</section>
			);
		case "form":
			return (
				<Frame props={props}>
					<VerifyForm {...props} />
				</Frame>
			);
		case "closed":
			return (
				<section id="verify" data-state={props.state}>
					<ClosedLink message={props.message} offerResend={props.state !== "spent"} />
				</section>
			);
		case "done":
			return <WebMessage text={props.message} />;
	}
}

/** The seed's 網頁訊息 box after 確定: the message and its 確定 button, which goes to the sign-in page. */
function WebMessage({ text }: { text: string }) {
	return (
		<section class="web-message" id="web-message" role="alertdialog" aria-labelledby="web-message-title" aria-describedby="web-message-text">
			<h2 id="web-message-title">網頁訊息</h2>
			<p id="web-message-text">{text}</p>
			<p class="actions">
				<a class="button" href={SIGN_IN_PATH} id="web-message-ok">
					確定
				</a>
			</p>
		</section>
	);
}
