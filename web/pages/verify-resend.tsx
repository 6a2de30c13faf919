// 重寄認證信 (SPEC §6; seed: 未於5日內完成或修改電子郵件信箱者，可點選重寄認證信): the registrant reads their
// card (the same card proof as the verification page), sees their application — 待認證 or 已逾期, the
// e-mail masked, the unit, the deadline — may correct the e-mail, and gets a new mail and a new 5-day
// window. Each POST carries a fresh card proof (verify.js signs a new challenge at submit), so nothing
// about who read the card is kept between the two steps.
import type { RegistrationStatus } from "../../schema/d1.ts";
import type { Application } from "../../workers/services/verification-resend.ts";
import { formatDeadline } from "../../workers/services/verification-mail.ts";
import { CardNameRow, CardProofFields, NoScript, PhoneNotice, SIGN_IN_PATH, SystemMessageRow, type PageMessage, type ReaderPageProps } from "./verify.tsx";

export const RESEND_TITLE = "健保卡網路服務註冊-重寄認證信";

const STATUS_LABELS: Record<RegistrationStatus, string> = { pending: "待認證", expired: "已逾期", verified: "已完成認證" };

function Actions({ submit }: { submit?: string }) {
	return (
		<p class="actions">
			{submit ? (
				<button type="submit" id="resend-submit">
					{submit}
				</button>
			) : null}
			<a class="button" href={SIGN_IN_PATH}>
				回登入頁
			</a>
		</p>
	);
}

/** Step 1: read the card, then 查詢 the application. */
function LookupForm({ csrfToken, message }: { csrfToken: string; message?: PageMessage }) {
	return (
		<form method="post" action="/verify/resend" id="resend-lookup-form" data-card-form="lookup">
			<input type="hidden" name="_csrf" value={csrfToken} />
			<CardProofFields />
			<table class="form-table verify-table">
				<tbody>
					<SystemMessageRow message={message} />
					<tr>
						<th>執行作業說明</th>
						<td>
							<p class="step">1. 未於5日內完成認證、未收到認證信或電子郵件信箱有誤者，可於此重寄認證信，並重新計算5日認證期限。</p>
							<p class="step">2. 電腦連結晶片讀卡機並插入您本人的健保卡，按「讀取」驗證健保卡後，按「查詢」。</p>
						</td>
					</tr>
					<CardNameRow />
				</tbody>
			</table>
			<Actions submit="查詢" />
		</form>
	);
}

/** Step 2: the application, with an optional corrected e-mail, and 重寄認證信. */
function ApplicationForm({ csrfToken, application, message }: { csrfToken: string; application: Application; message?: PageMessage }) {
	const expired = application.status === "expired";
	return (
		<form method="post" action="/verify/resend/send" id="resend-send-form" data-card-form="send">
			<input type="hidden" name="_csrf" value={csrfToken} />
			<CardProofFields />
			<table class="form-table verify-table" id="application">
				<tbody>
					<SystemMessageRow message={message} />
					<tr>
						<th>投保單位</th>
						<td id="application-unit">{application.unitName}</td>
					</tr>
					<tr>
						<th>申請狀態</th>
						<td id="application-status" data-status={application.status}>
							{STATUS_LABELS[application.status]}
						</td>
					</tr>
					<tr>
						<th>電子郵件</th>
						<td id="application-email">{application.maskedEmail}</td>
					</tr>
					<tr>
						<th>認證期限</th>
						<td id="application-deadline">
							{application.expiresAt === null ? "-" : `${formatDeadline(application.expiresAt)}${expired ? "（已逾期）" : ""}`}
						</td>
					</tr>
					<tr>
						<th>
							<label for="email">更正電子郵件</label>
						</th>
						<td>
							<input type="email" name="email" id="email" maxlength={254} autocomplete="email" />
							<br />
							<span class="hint">電子郵件信箱有誤者，請輸入正確的電子郵件信箱；未輸入則寄至上列電子郵件信箱。</span>
						</td>
					</tr>
				</tbody>
			</table>
			<p class="hint">按「重寄認證信」時會再次讀取健保卡，請勿取出健保卡。重寄後，先前寄出的認證信連結即失效。</p>
			<Actions submit="重寄認證信" />
		</form>
	);
}

export type ResendPageProps = ReaderPageProps &
	(
		| { view: "lookup"; message?: PageMessage }
		| { view: "application"; application: Application; message?: PageMessage }
		| { view: "message"; message: PageMessage }
	);

export function ResendPage(props: ResendPageProps) {
	return (
		<section id="verify" data-reader-url={props.readerUrl} data-csrf={props.csrfToken} data-view={props.view}>
			<PhoneNotice />
			<NoScript />
			{props.view === "lookup" ? <LookupForm csrfToken={props.csrfToken} message={props.message} /> : null}
			{props.view === "application" ? <ApplicationForm csrfToken={props.csrfToken} application={props.application} message={props.message} /> : null}
			{props.view === "message" ? (
				<>
					<table class="form-table verify-table">
						<tbody>
							<SystemMessageRow message={props.message} />
						</tbody>
					</table>
					<Actions />
				</>
			) : null}
		</section>
	);
}
