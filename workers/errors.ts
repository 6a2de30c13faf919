// One error type for the whole Worker. Services throw AppError(code); only app.onError turns it into
// a response (JSON under /api, a page elsewhere). Row outcomes are not errors: see domain/reasons.ts.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export const ERROR_CODES = {
	BAD_REQUEST: { status: 400, message: "輸入資料有誤，請檢查後再試。" },
	FILE_REJECTED: { status: 422, message: "檔案不符合上傳規定。" },
	UNAUTHENTICATED: { status: 401, message: "請先登入多憑證網路承保作業。" },
	CSRF: { status: 403, message: "網頁已逾時或來源不明，請重新整理後再試。" },
	FORBIDDEN: { status: 403, message: "您沒有執行此作業的權限。" },
	NOT_FOUND: { status: 404, message: "查無資料。" },
	PAYLOAD_TOO_LARGE: { status: 413, message: "上傳資料超過大小上限。" },
	RATE_LIMITED: { status: 429, message: "操作過於頻繁，請稍後再試。" },
	INTERNAL: { status: 500, message: "系統發生錯誤，請稍後再試。" },
} as const satisfies Record<string, { status: ContentfulStatusCode; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
	readonly code: ErrorCode;
	/** Extra machine-readable detail (e.g. the file reason code); never secrets or full IDs. */
	readonly detail: Record<string, string | number> | undefined;

	constructor(code: ErrorCode, message?: string, detail?: Record<string, string | number>) {
		super(message ?? ERROR_CODES[code].message);
		this.name = "AppError";
		this.code = code;
		this.detail = detail;
	}

	get status(): ContentfulStatusCode {
		return ERROR_CODES[this.code].status;
	}
}
