// Timestamps as the seed shows them, always in Taiwan time (UTC+8, no daylight saving):
// log lines and the records table "2016/7/13 上午 11:56:45", the log file name's "1050713104533"
// and the clerk mail's "民國105年07月13日".

import { ROC_YEAR_OFFSET, TAIPEI_OFFSET_MS } from "./roc-date.ts";

type TaipeiClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function taipeiClock(ms: number): TaipeiClock {
	const t = new Date(ms + TAIPEI_OFFSET_MS);
	return {
		year: t.getUTCFullYear(),
		month: t.getUTCMonth() + 1,
		day: t.getUTCDate(),
		hour: t.getUTCHours(),
		minute: t.getUTCMinutes(),
		second: t.getUTCSeconds(),
	};
}

function two(n: number): string {
	return String(n).padStart(2, "0");
}

/** "2016/7/13 上午 11:56:45": zh-TW Windows' short date and 12-hour time (00:05 → 上午 12:05, 12:05 → 下午 12:05). */
export function formatLogTime(ms: number): string {
	const c = taipeiClock(ms);
	const meridiem = c.hour < 12 ? "上午" : "下午";
	const hour12 = c.hour % 12 === 0 ? 12 : c.hour % 12;
	return `${c.year}/${c.month}/${c.day} ${meridiem} ${hour12}:${two(c.minute)}:${two(c.second)}`;
}

/** The records table's 上傳時間 uses the same form as the log: "2016/7/13 上午 10:45:31". */
export const formatRecordTime = formatLogTime;

/** ROC yyyMMddHHmmss on a 24-hour clock, as in the log file name "1333974211050713.1050713104533.log". */
export function formatRocStamp14(ms: number): string {
	const c = taipeiClock(ms);
	const rocYear = String(c.year - ROC_YEAR_OFFSET).padStart(3, "0");
	return rocYear + two(c.month) + two(c.day) + two(c.hour) + two(c.minute) + two(c.second);
}

/** "民國105年07月13日", the date in the clerk's result mail. */
export function formatMailDate(ms: number): string {
	const c = taipeiClock(ms);
	return `民國${c.year - ROC_YEAR_OFFSET}年${two(c.month)}月${two(c.day)}日`;
}
