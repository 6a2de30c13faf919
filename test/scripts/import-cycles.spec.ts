// No import cycles among the portal's source files (issue 11 item 2): data flows one way, route →
// service → (D1 | DO stub | mail port), and domain/ imports nothing from the rest (STYLE.md "The
// house"). Type-only imports count: a type that needs its user is as tangled as a value that does.
// The graph is read with TypeScript's own pre-processor, so every import form it knows is seen.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, test } from "node:test";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "../..");
/** The folders that hold the portal's and the reader helper's source (tests may import anything). */
const SOURCE_DIRS = ["workers", "durable", "schema", "web", "reader", "scripts"];
const SOURCE_FILE = /\.(ts|tsx)$/;

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		if (name === "node_modules" || name === "test") return [];
		if (statSync(path).isDirectory()) return sourceFiles(path);
		return SOURCE_FILE.test(name) && !name.endsWith(".d.ts") ? [path] : [];
	});
}

/** The relative imports of one file, resolved to files (bare package names are not ours). */
function importsOf(file: string): string[] {
	const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
	return importedFiles
		.map((i) => i.fileName)
		.filter((spec) => spec.startsWith("."))
		.map((spec) => resolve(dirname(file), spec))
		.flatMap((path) => [path, `${path}.ts`, `${path}.tsx`, join(path, "index.ts")].find((p) => existsSync(p) && statSync(p).isFile()) ?? []);
}

/** Each strongly connected set of more than one file (or a file importing itself): Tarjan's algorithm. */
export function importCycles(graph: Map<string, string[]>): string[][] {
	let next = 0;
	const index = new Map<string, number>();
	const low = new Map<string, number>();
	const stack: string[] = [];
	const onStack = new Set<string>();
	const cycles: string[][] = [];
	const visit = (v: string): void => {
		index.set(v, next);
		low.set(v, next++);
		stack.push(v);
		onStack.add(v);
		for (const w of graph.get(v) ?? []) {
			if (!index.has(w)) {
				visit(w);
				low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
			} else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
		}
		if (low.get(v) !== index.get(v)) return;
		const members: string[] = [];
		let w: string | undefined;
		do {
			w = stack.pop();
			if (w === undefined) break;
			onStack.delete(w);
			members.push(w);
		} while (w !== v);
		if (members.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(members.sort());
	};
	for (const v of graph.keys()) if (!index.has(v)) visit(v);
	return cycles;
}

/** Layers (STYLE.md "The house"): files under the first folder import nothing under the others but their own folder. */
const FORBIDDEN: [from: string, mayNotImport: string[]][] = [
	["workers/domain/", ["workers/", "durable/", "web/"]],
	["workers/lib/", ["workers/services/", "workers/routes/", "workers/mail/", "workers/middleware/", "durable/", "web/"]],
	["workers/mail/", ["workers/services/", "workers/routes/", "workers/middleware/", "durable/", "web/"]],
	["workers/services/", ["workers/routes/", "workers/middleware/", "durable/", "web/"]],
	["schema/", ["workers/", "durable/", "web/"]],
];

function graphOfSources(): Map<string, string[]> {
	const files = SOURCE_DIRS.flatMap((dir) => sourceFiles(join(ROOT, dir)));
	assert.ok(files.length > 100, `read only ${files.length} source files`);
	return new Map(files.map((f) => [relative(ROOT, f), importsOf(f).map((i) => relative(ROOT, i))]));
}

describe("import graph", () => {
	test("finds a cycle when there is one (so the check below can fail)", () => {
		const graph = new Map([
			["env.ts", ["sessions.ts"]],
			["sessions.ts", ["env.ts", "crypto.ts"]],
			["crypto.ts", []],
			["self.ts", ["self.ts"]],
		]);
		assert.deepEqual(importCycles(graph), [["env.ts", "sessions.ts"], ["self.ts"]]);
		assert.deepEqual(importCycles(new Map([["a.ts", ["b.ts"]], ["b.ts", []]])), []);
	});

	test("no source file imports itself through others (workers/, durable/, schema/, web/, reader/, scripts/)", () => {
		const cycles = importCycles(graphOfSources()).map((c) => c.join(" ↔ "));
		assert.deepEqual(cycles, []);
	});

	test("imports go down the layers: domain and schema stand alone, mail imports no service, services no Durable Object or route", () => {
		const wrong: string[] = [];
		for (const [file, imports] of graphOfSources()) {
			for (const [from, banned] of FORBIDDEN) {
				if (!file.startsWith(from)) continue;
				for (const target of imports) if (!target.startsWith(from) && banned.some((b) => target.startsWith(b))) wrong.push(`${file} → ${target}`);
			}
		}
		assert.deepEqual(wrong, []);
	});
});
