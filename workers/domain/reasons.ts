// Every reason a file or a row is refused, with a stable code (result CSV, API) and the zh-TW text
// shown to users. The seed's own wording wins where it has one: `(非該單位在保險對象)不入檔!`.

export const FILE_REASONS = {
	FILE_EXTENSION: {
		message: "檔案格式錯誤：只限上傳 .csv 檔。",
		fix: "請以 Excel「另存新檔」→ 存檔類型「CSV (逗號分隔) (*.csv)」儲存後再上傳。",
	},
	FILE_NAME_FORMAT: {
		message: "檔案名稱錯誤：檔名須為「投保單位代號(9碼)+民國年月日(7碼).csv」。",
		fix: "例：投保單位代號 110001000、申請日期民國105年8月1日，檔名為 1100010001050801.csv。",
	},
	FILE_UNIT_MISMATCH: {
		message: "檔案名稱中的投保單位代號與所選投保單位代號不符。",
		fix: "請確認所選的投保單位代號，或更正檔名前9碼。",
	},
	FILE_DATE_INVALID: {
		message: "檔案名稱中的日期不是正確的民國日期。",
		fix: "檔名第10至16碼請填民國年月日，例：1050801。",
	},
	FILE_DATE_FUTURE: {
		message: "檔案名稱中的日期不可晚於今天。",
		fix: "檔名第10至16碼請填今天或之前的民國日期。",
	},
	FILE_EMPTY: {
		message: "檔案內容空白。",
		fix: "請確認檔案已存入資料後再上傳。",
	},
	FILE_TOO_LARGE: {
		message: "檔案超過 10 MB 上限。",
		fix: "請將資料分成多個檔案上傳。",
	},
	FILE_TOO_MANY_ROWS: {
		message: "檔案超過 100,000 筆資料上限。",
		fix: "請將資料分成多個檔案上傳，每檔最多 100,000 筆。",
	},
	FILE_NO_ROWS: {
		message: "檔案只有標題列，沒有資料。",
		fix: "請自第2列起填入身分證號、電子郵件、行動電話、聯絡電話。",
	},
	FILE_UTF16: {
		message: "檔案編碼為 Unicode (UTF-16)，無法讀取。",
		fix: "請以 Excel 另存為「CSV (逗號分隔)」或「CSV UTF-8 (逗號分隔)」後再上傳。",
	},
	FILE_BIG5_USER_DEFINED: {
		message: "檔案含有 Big5 使用者造字（難字），無法讀取。",
		fix: "請在 Excel 中將該字改為一般文字或刪除後，再另存為「CSV (逗號分隔)」或「CSV UTF-8 (逗號分隔)」上傳。",
	},
	FILE_BINARY: {
		message: "檔案不是文字格式的 CSV 檔（例如 Excel 活頁簿 .xlsx 改副檔名）。",
		fix: "請以 Excel「另存新檔」→ 存檔類型「CSV (逗號分隔) (*.csv)」儲存後再上傳。",
	},
	FILE_COLUMNS: {
		message: "檔案欄位錯誤：欄位依序須為身分證號、電子郵件、行動電話、聯絡電話。",
		fix: "請依範例檔將A至D欄依序排為身分證號、電子郵件、行動電話、聯絡電話；其他欄位(如姓名)請刪除，或移到E欄以後(不入檔)。",
	},
} as const satisfies Record<string, { message: string; fix: string }>;

export type FileReasonCode = keyof typeof FILE_REASONS;

export function isFileReasonCode(code: string): code is FileReasonCode {
	return Object.hasOwn(FILE_REASONS, code);
}

/** A batch the pipeline gave up on after repeated errors (not the file's fault): 入檔失敗 all the same. */
export const INTERNAL_FAILURE = {
	message: "系統處理失敗，請重新上傳。",
	fix: "請將同一檔案重新上傳；已在本次完成入檔者會重新寄送認證信，不會重複註冊。若仍失敗，請電洽本署免付費服務電話：0800-030598。",
} as const;

export const ROW_REASONS = {
	ID_INVALID: {
		message: "(身分證號格式或檢查碼錯誤)不入檔!",
		fix: "請確認身分證號或居留證號是否正確（英文字母大寫、共10碼）。",
	},
	EMAIL_INVALID: {
		message: "(電子郵件格式錯誤)不入檔!",
		fix: "請填入正確的電子郵件信箱，例：name@example.com.tw。",
	},
	MOBILE_INVALID: {
		message: "(行動電話格式錯誤)不入檔!",
		fix: "行動電話請填10碼數字，以09開頭，例：0912345678。",
	},
	PHONE_INVALID: {
		message: "(聯絡電話格式錯誤)不入檔!",
		fix: "聯絡電話區碼以「-」隔開、分機以「#」隔開，例：02-12345678#1234；無則留空。",
	},
	NOT_INSURED: {
		message: "(非該單位在保險對象)不入檔!",
		fix: "本系統僅受理本單位目前在保之保險對象；請確認其投保狀態。",
	},
	DUPLICATE_IN_FILE: {
		message: "(檔案內重複)不入檔!",
		fix: "同一身分證號在檔案中只需出現一次，以第一次出現的資料為準。",
	},
	ALREADY_VERIFIED: {
		message: "(已完成註冊)不入檔!",
		fix: "此人已完成健保卡網路服務註冊，無須再申請。",
	},
} as const satisfies Record<string, { message: string; fix: string }>;

export type RowReasonCode = keyof typeof ROW_REASONS;

/** Outcome codes of rows that did go in. */
export const ROW_SUCCESSES = {
	REGISTERED: { message: "註冊成功,已寄送認證信" },
	RESENT: { message: "已有待認證之申請,已更新聯絡資料並重新寄送認證信" },
} as const;

export type RowSuccessCode = keyof typeof ROW_SUCCESSES;

/** Notes attached to a row that went in after a repair, or with something left out. */
export const ROW_NOTES = {
	MOBILE_REPAIRED: { message: "行動電話補回開頭0", fix: "Excel 會去掉行動電話開頭的0，系統自動補回並於入檔記錄中註明。" },
	FULL_WIDTH_REPAIRED: { message: "全形字元已轉為半形", fix: "以中文輸入法輸入的全形英數字(如Ａ１２３)，系統自動轉為半形並於入檔記錄中註明。" },
	EXTRA_CELLS: { message: "E欄以後的資料未入檔", fix: "檔案只讀取A至D欄；E欄以後有資料的列照常入檔，並於入檔記錄中註明該列E欄以後的資料未入檔。" },
} as const satisfies Record<string, { message: string; fix: string }>;

export type RowNoteCode = keyof typeof ROW_NOTES;
