// Where a measuring script keeps its throw-away portal's state (wrangler dev --persist-to).
//
// Locally every Durable Object and the D1 database are SQLite files, and on these VMs the disk's fsync
// latency, not the portal, sets the pace of anything that creates objects: a bare object that does one
// write and sets its alarm is created at ~150–290/s on the ext4 disk and ~640–900/s on tmpfs (measured
// with a minimal worker on wrangler dev, 1,000 objects, 50 calls in flight). The figures printed are
// meant to measure the portal, so by default the state lives in memory (/dev/shm, tmpfs) when the
// machine has it; `--state-dir=/tmp` (or any directory) measures on that disk instead. The state is
// deleted when the script ends either way.
import { accessSync, constants, existsSync } from "node:fs";
import { tmpdir } from "node:os";

const MEMORY_DIR = "/dev/shm";

/** The directory to make the throw-away state in: the option given, else tmpfs when writable, else the OS temp dir. */
export function stateRoot(option: string | undefined): { dir: string; kind: "memory (tmpfs)" | "disk" | "given" } {
	if (option) return { dir: option, kind: "given" };
	if (existsSync(MEMORY_DIR)) {
		try {
			accessSync(MEMORY_DIR, constants.W_OK);
			return { dir: MEMORY_DIR, kind: "memory (tmpfs)" };
		} catch {
			// not writable: fall through
		}
	}
	return { dir: tmpdir(), kind: "disk" };
}
