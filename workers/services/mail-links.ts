// The links the portal's mails carry. The seed's mails link NHI's own pages (環境說明 Eventesting.htm,
// Login.aspx, the 健保卡網路服務註冊 page with 重寄認證信, 意見信箱); ours link this portal's pages
// instead, except 意見信箱, which stays NHI's. Mails are plain text: a link is its words followed by
// the address in angle brackets (RFC 3986 Appendix C), which mail clients turn into a link and
// /dev/mailbox shows as one.

/** 健保卡網路服務註冊—環境說明: how to install and start the card-reader helper, per OS. */
export const ENVIRONMENT_PATH = "/environment";
/** 健保卡網路服務註冊 登入畫面: sign-in with card + 註冊密碼 (the seed's Login.aspx). */
export const SIGN_IN_PATH = "/sign-in";
/** 健保卡網路服務註冊-電子信箱認證: the page the verification link opens. */
export const VERIFY_PATH = "/verify";
/** 重寄認證信: where a registrant asks for a new mail and window. */
export const RESEND_PATH = "/verify/resend";
/** 本署全球資訊網/意見信箱: NHI's 民眾意見信箱; no page of this portal stands in for it. */
export const FEEDBACK_URL = "https://med.nhi.gov.tw/isme1000/ISME1001S01.aspx";

/** An absolute address of the portal: APP_ORIGIN (with or without a trailing slash) + path. */
export function portalUrl(origin: string, path: string): string {
	return `${origin.replace(/\/+$/, "")}${path}`;
}

/** Linked words in a plain-text mail: 「健保卡網路服務註冊」<https://…>. */
export function textLink(words: string, url: string): string {
	return `${words}<${url}>`;
}
