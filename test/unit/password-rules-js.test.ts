// The verification page's meter and checks run web/public/js/password-rules.js, generated from
// workers/domain/password.ts (scripts/password-rules-js.ts). Both are run here on the same passwords:
// if the domain module changes and the browser copy is not regenerated, this fails.
import { describe, expect, it } from "vitest";
import {
	CONFIRM_MISMATCH_MESSAGE,
	PASSWORD_MAX_LENGTH,
	PASSWORD_MIN_LENGTH,
	PASSWORD_PROBLEM_MESSAGES,
	passwordProblems,
	passwordStrength,
	ratePassword,
	STRENGTHS,
} from "../../workers/domain/password.ts";

const BROWSER_MODULE = "../../web/public/js/password-rules.js";
const REGENERATE = "web/public/js/password-rules.js is stale: run `node scripts/password-rules-js.ts`";

type Fn = (...args: unknown[]) => unknown;

function isFn(value: unknown): value is Fn {
	return typeof value === "function";
}

async function browserRules() {
	const mod: Record<string, unknown> = await import(/* @vite-ignore */ BROWSER_MODULE);
	const { passwordStrength: strength, passwordProblems: problems, ratePassword: rate } = mod;
	if (!isFn(strength) || !isFn(problems) || !isFn(rate)) throw new Error(REGENERATE);
	return { strength, problems, rate, constants: mod };
}

const PERSON = { idNo: "A123456789", birthDate: "1990-03-05" };

/** Every class count and length edge, the forbidden characters, the ID and each birth-date form. */
const SAMPLES = [
	"",
	"abc",
	"abcdef",
	"ABCDEF",
	"123456",
	"!!!!!!",
	"abcdef1",
	"Abcdef",
	"Abcdef1",
	"Abc-12",
	"Abc-123",
	"Abc-1234",
	"Nhi-2024ab",
	"Nhi-2024abcde",
	"aaaaaaaaaaaa",
	"aaaaaaaaaaaaa",
	"ab cd ef",
	"ab\u3000cdef",
	"abc<def",
	"abc>def",
	"abc'def",
	'abc"def',
	"xA123456789",
	"xa123456789",
	"19900305",
	"1990-03-05",
	"1990/03/05",
	"1990.03.05",
	"03051990",
	"x900305",
	"0790305",
	"79-03-05",
	"ab0305x",
	"密碼Ab1!密碼",
	"😀😀😀😀😀😀",
	"Ab1!😀😀😀😀",
	"Ab1!😀😀😀😀😀😀😀😀😀",
];

describe("the browser's password rules (web/public/js/password-rules.js)", () => {
	it("give the same strength and the same problems as the domain module for every sample", async () => {
		const browser = await browserRules();
		for (const pw of SAMPLES) {
			expect(browser.strength(pw), `${REGENERATE} — strength of ${JSON.stringify(pw)}`).toBe(passwordStrength(pw));
			for (const ctx of [PERSON, { idNo: "", birthDate: "" }]) {
				expect(browser.problems(pw, ctx), `${REGENERATE} — problems of ${JSON.stringify(pw)}`).toEqual(passwordProblems(pw, ctx));
				expect(browser.rate(pw, ctx), `${REGENERATE} — rating of ${JSON.stringify(pw)}`).toEqual(ratePassword(pw, ctx));
			}
		}
	});

	it("carry the same levels, limits and messages", async () => {
		const { constants } = await browserRules();
		expect(constants.STRENGTHS, REGENERATE).toEqual(STRENGTHS);
		expect(constants.PASSWORD_MIN_LENGTH, REGENERATE).toBe(PASSWORD_MIN_LENGTH);
		expect(constants.PASSWORD_MAX_LENGTH, REGENERATE).toBe(PASSWORD_MAX_LENGTH);
		expect(constants.PASSWORD_PROBLEM_MESSAGES, REGENERATE).toEqual(PASSWORD_PROBLEM_MESSAGES);
		expect(constants.CONFIRM_MISMATCH_MESSAGE, REGENERATE).toBe(CONFIRM_MISMATCH_MESSAGE);
	});

	it("walk the meter 弱 → 中 → 中強 → 強 as a registrant types", async () => {
		const { strength } = await browserRules();
		expect(["abcdef", "abcdef1", "Abcdef1", "Abcdef1!"].map((pw) => strength(pw))).toEqual(["弱", "中", "中強", "強"]);
	});
});
