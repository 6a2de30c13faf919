// One error type for the helper, one code → status map, one zh-TW message table; only the server turns a
// ReaderError into a response. Messages are shown to the person at the PC as they are.

export type ReaderErrorCode =
	| "NO_READER"
	| "NO_CARD"
	| "WRONG_CARD_KIND"
	| "PIN_WRONG"
	| "PIN_LOCKED"
	| "BAD_REQUEST"
	| "CARD_NOT_FOUND"
	| "ORIGIN_NOT_ALLOWED"
	| "NOT_FOUND"
	| "METHOD_NOT_ALLOWED"
	| "PAYLOAD_TOO_LARGE"
	| "UNSUPPORTED_MEDIA_TYPE"
	| "CARD_ERROR"
	| "NOT_SUPPORTED"
	| "INTERNAL";

const ERRORS: Record<ReaderErrorCode, { status: number; message: string }> = {
	NO_READER: { status: 503, message: "找不到讀卡機，請確認讀卡機已連接電腦。" },
	NO_CARD: { status: 409, message: "讀卡機中沒有卡片，請插入卡片後再試一次。" },
	WRONG_CARD_KIND: { status: 409, message: "插入的卡片種類不符，請確認插入的卡片。" },
	PIN_WRONG: { status: 403, message: "PIN 碼錯誤。" },
	PIN_LOCKED: { status: 423, message: "卡片的 PIN 碼已鎖住，請依發卡單位的說明解鎖後再使用。" },
	BAD_REQUEST: { status: 400, message: "請求格式不正確。" },
	CARD_NOT_FOUND: { status: 404, message: "找不到指定的卡片或憑證。" },
	ORIGIN_NOT_ALLOWED: { status: 403, message: "此網站未獲允許使用本機讀卡程式。" },
	NOT_FOUND: { status: 404, message: "找不到此功能。" },
	METHOD_NOT_ALLOWED: { status: 405, message: "不支援此請求方式。" },
	PAYLOAD_TOO_LARGE: { status: 413, message: "請求內容過大。" },
	UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "請求內容必須是 JSON。" },
	CARD_ERROR: { status: 502, message: "讀取卡片失敗，請重新插入卡片後再試一次。" },
	NOT_SUPPORTED: { status: 501, message: "目前的讀卡程式設定不支援此功能。" },
	INTERNAL: { status: 500, message: "讀卡程式發生錯誤，請重新啟動讀卡程式。" },
};

export class ReaderError extends Error {
	readonly code: ReaderErrorCode;
	/** Extra fields sent next to code and message, e.g. `remainingTries` for PIN_WRONG. */
	readonly details: Readonly<Record<string, string | number | null>>;

	constructor(code: ReaderErrorCode, message?: string, details: Record<string, string | number | null> = {}) {
		super(message ?? ERRORS[code].message);
		this.name = "ReaderError";
		this.code = code;
		this.details = details;
	}

	get status(): number {
		return ERRORS[this.code].status;
	}
}

/** PIN_WRONG with the tries left before the card locks (pin-tries.ts). */
export function pinWrong(remainingTries: number): ReaderError {
	return new ReaderError("PIN_WRONG", `PIN 碼錯誤，尚可嘗試 ${remainingTries} 次；再輸入錯誤將鎖住卡片。`, { remainingTries });
}

export function errorBody(err: ReaderError): { error: Record<string, string | number | null> } {
	return { error: { ...err.details, code: err.code, message: err.message } };
}
