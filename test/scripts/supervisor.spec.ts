// npm start's children (scripts/lib/supervisor.ts; issue 15 item 2): stopping the local reader helper
// must not stop the portal; the portal stopping stops everything; Ctrl+C stops everything. The children
// here are real Node processes standing in for wrangler dev and the helper.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Supervisor } from "../../scripts/lib/supervisor.ts";

/** A process that runs until it is signalled. */
const FOREVER = ["-e", "setInterval(() => {}, 1000)"];

function isRunning(child: ChildProcess): boolean {
	return child.exitCode === null && child.signalCode === null;
}

function supervisor(): { sup: Supervisor; stopped: Promise<number>; lines: string[] } {
	const lines: string[] = [];
	let resolve: (code: number) => void = () => undefined;
	const stopped = new Promise<number>((r) => (resolve = r));
	const sup = new Supervisor({ cwd: process.cwd(), stdio: "ignore", log: (line) => lines.push(line), onAllStopped: resolve });
	return { sup, stopped, lines };
}

async function until(check: () => boolean, what: string): Promise<void> {
	const deadline = Date.now() + 10_000;
	while (!check()) {
		assert.ok(Date.now() < deadline, `timed out waiting until ${what}`);
		await sleep(20);
	}
}

describe("npm start's children", () => {
	test("stopping the reader helper leaves the portal running, and says how to start the helper again", async () => {
		const { sup, stopped, lines } = supervisor();
		const portal = sup.start({ name: "wrangler dev", args: FOREVER, essential: true });
		const helper = sup.start({ name: "reader helper", args: FOREVER, essential: false, restartHint: "npm run reader" });
		await until(() => portal.pid !== undefined && helper.pid !== undefined, "both run");
		helper.kill("SIGINT"); // the person presses Ctrl+C in the helper's terminal, or it crashes
		await until(() => !isRunning(helper), "the helper has ended");
		await sleep(300);
		assert.ok(isRunning(portal), "the portal still runs");
		assert.equal(sup.stopping, false);
		assert.ok(lines.some((l) => /reader helper stopped .*the portal keeps running\. npm run reader/.test(l)), lines.join("\n"));

		sup.stopAll("SIGINT");
		assert.equal(await stopped, 0);
		assert.ok(!isRunning(portal));
	});

	test("the portal stopping stops the reader helper too, with the portal's exit code", async () => {
		const { sup, stopped } = supervisor();
		const portal = sup.start({ name: "wrangler dev", args: ["-e", "setTimeout(() => process.exit(3), 200)"], essential: true });
		const helper = sup.start({ name: "reader helper", args: FOREVER, essential: false });
		assert.equal(await stopped, 3);
		assert.ok(!isRunning(portal) && !isRunning(helper));
	});

	test("Ctrl+C stops both", async () => {
		const { sup, stopped } = supervisor();
		const portal = sup.start({ name: "wrangler dev", args: FOREVER, essential: true });
		const helper = sup.start({ name: "reader helper", args: FOREVER, essential: false });
		await sleep(100);
		sup.stopAll("SIGINT");
		assert.equal(await stopped, 0);
		assert.ok(!isRunning(portal) && !isRunning(helper));
	});
});
