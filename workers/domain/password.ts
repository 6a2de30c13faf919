// 註冊密碼 rules and the strength meter (SPEC §6, seed page 健保卡網路服務註冊-電子信箱認證).
// Shared by the server and the page's client script, so it uses nothing but the language itself.

export type Strength = "弱" | "中" | "中強" | "強";

/** The meter's levels, weakest first, as the seed's four buttons show them. */
export const STRENGTHS: readonly Strength[] = ["弱", "中", "中強", "強"];

export type PasswordProblem = "LENGTH" | "FORBIDDEN_CHAR" | "CONTAINS_ID" | "CONTAINS_BIRTH_DATE";

export const PASSWORD_MIN_LENGTH = 6;
export const PASSWORD_MAX_LENGTH = 12;
// The seed's strong-password note asks for 長度8碼以上 besides all four character classes.
const STRONG_MIN_LENGTH = 8;

export const PASSWORD_PROBLEM_MESSAGES: Record<PasswordProblem, string> = {
	LENGTH: "註冊密碼長度必需6-12碼。",
	FORBIDDEN_CHAR: "註冊密碼不可包含空白及 < > ' \" 等字元。",
	CONTAINS_ID: "註冊密碼不可包含身分證號。",
	CONTAINS_BIRTH_DATE: "註冊密碼不可包含出生日期。",
};

export const CONFIRM_MISMATCH = "CONFIRM_MISMATCH";
export const CONFIRM_MISMATCH_MESSAGE = "再次確認註冊密碼與新的註冊密碼不一致。";

// Any white space (including the full-width U+3000) and the characters SPEC §6 forbids.
const FORBIDDEN = /[\s<>'"]/u;

/**
 * The 註冊密碼 as it is checked, hashed and compared: NFKC, so a full-width ＜ is the < the rules forbid
 * and "Ａｂｃ１２３" typed with a full-width IME is the same password as "Abc123". (Hashes made before this
 * rule of a password that NFKC changes still verify: sign-in.ts tries the text as typed and rehashes.)
 */
export function normalizePassword(pw: string): string {
	return pw.normalize("NFKC");
}

export function passwordStrength(raw: string): Strength {
	const pw = normalizePassword(raw);
	const classes = [/[A-Z]/, /[a-z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(pw)).length;
	if (classes === 4) return length(pw) >= STRONG_MIN_LENGTH ? "強" : "中強";
	if (classes === 3) return "中強";
	if (classes === 2) return "中";
	return "弱";
}

export type PasswordRating = { ok: true; strength: Strength } | { ok: false; problems: PasswordProblem[] };

/**
 * What the meter shows for `pw` (issue 15: it must agree with the rules 確定 applies): a password that
 * breaks a rule is rated as such — whatever its character classes — and only an acceptable one gets a
 * strength.
 */
export function ratePassword(pw: string, ctx: { idNo: string; birthDate: string }): PasswordRating {
	const problems = passwordProblems(pw, ctx);
	return problems.length > 0 ? { ok: false, problems } : { ok: true, strength: passwordStrength(pw) };
}

/** Every rule `pw` breaks, in the order the page lists them; empty when it is acceptable. */
export function passwordProblems(raw: string, ctx: { idNo: string; birthDate: string }): PasswordProblem[] {
	const pw = normalizePassword(raw);
	const problems: PasswordProblem[] = [];
	const len = length(pw);
	if (len < PASSWORD_MIN_LENGTH || len > PASSWORD_MAX_LENGTH) problems.push("LENGTH");
	if (FORBIDDEN.test(pw)) problems.push("FORBIDDEN_CHAR");
	const idNo = ctx.idNo.trim().toUpperCase();
	if (idNo !== "" && pw.toUpperCase().includes(idNo)) problems.push("CONTAINS_ID");
	if (birthDateForms(ctx.birthDate).some((form) => pw.includes(form))) problems.push("CONTAINS_BIRTH_DATE");
	return problems;
}

// Characters as the user counts them: an emoji or a rare CJK character is one, not two UTF-16 units.
function length(pw: string): number {
	return [...pw].length;
}

/**
 * How people write their birth date into a password, for 1990-03-05 (民國79年):
 * 19900305, 1990-03-05, 1990/03/05, 1990.03.05, 03051990, 900305 (Western);
 * 0790305, 790305 and the same with - / . separators (民國 yyyMMdd with and without the leading zero).
 */
function birthDateForms(isoDate: string): string[] {
	const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDate.trim());
	if (match === null) return [];
	const [, yyyy = "", mm = "", dd = ""] = match;
	const forms: string[] = [`${mm}${dd}${yyyy}`, `${yyyy.slice(2)}${mm}${dd}`];
	const years = [yyyy];
	const rocYear = Number(yyyy) - 1911;
	if (rocYear >= 1) years.push(String(rocYear).padStart(3, "0"), String(rocYear));
	for (const year of years) {
		for (const separator of ["", "-", "/", "."]) forms.push(`${year}${separator}${mm}${separator}${dd}`);
	}
	return [...new Set(forms)];
}
