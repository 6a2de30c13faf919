import { describe, expect, it } from "vitest";
import { formatCount, resultLine } from "../../../workers/domain/count-format.ts";

describe("counts on the pages", () => {
	it("groups thousands with commas", () => {
		expect([0, 7, 999, 1_000, 20_000, 100_000, 1_234_567].map(formatCount)).toEqual(["0", "7", "999", "1,000", "20,000", "100,000", "1,234,567"]);
	});

	it("writes the seed's result line with grouped counts", () => {
		expect(resultLine(100_000, 96_986, 3_014)).toBe("總共上傳100,000筆,成功註冊96,986筆,失敗3,014筆");
		expect(resultLine(4, 0, 4)).toBe("總共上傳4筆,成功註冊0筆,失敗4筆");
	});
});
