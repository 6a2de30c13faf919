// The real card stacks (SoftHSM2, pcscd + vpcd) are Debian packages a laptop may lack: there their
// tests are skipped with the reason. CI installs them and sets REQUIRE_CARD_STACKS=1 (.ci/run), where a
// missing stack fails the run instead of passing it with the stacks untested.

/** undefined when the stack is there; else the reason to skip (printed), or a thrown error under REQUIRE_CARD_STACKS=1. */
export function skipUnlessStack(what: string, missing: string | undefined): string | undefined {
	if (missing === undefined) return undefined;
	if (process.env.REQUIRE_CARD_STACKS === "1") throw new Error(`${what}: ${missing} (REQUIRE_CARD_STACKS=1 requires the real card stacks)`);
	console.log(`# ${what} skipped: ${missing}`);
	return missing;
}
