// The Chromium the browser tests drive, on any machine where `npm install` ran (issue 9): first
// CHROMIUM_PATH, then Debian's /usr/bin/chromium, else the headless Chromium that arrived with npm install
// in @sparticuz/chromium. That package ships the binary itself (brotli-compressed, inside the registry
// tarball: nothing is downloaded at install or run time); it is unpacked once into node_modules/.cache/,
// with the NSS libraries it brings (a fresh machine may lack libnss3) and a wrapper that points the
// loader at them.
//
// Whichever Chromium runs gets FONTCONFIG_FILE = a fontconfig file that adds a CJK font from npm
// (@embedpdf/fonts-tc: Noto Sans Hant, Traditional Chinese) to the machine's fonts: without one, Chromium
// draws no Chinese at all and failure screenshots are blank where the text should be.

import { spawnSync } from "node:child_process";
import { accessSync, constants, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createBrotliDecompress } from "node:zlib";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const CACHE_DIR = path.join(ROOT, "node_modules", ".cache");
const DEBIAN_CHROMIUM = "/usr/bin/chromium";
const NPM_CHROMIUM_PACKAGE = path.join(ROOT, "node_modules", "@sparticuz", "chromium");
const CJK_FONT_DIR = path.join(ROOT, "node_modules", "@embedpdf", "fonts-tc", "fonts");

export type ChromiumSource = "CHROMIUM_PATH" | "debian" | "npm";
export type Chromium = {
	executablePath: string;
	source: ChromiumSource;
	/** What the browser process needs in its environment: FONTCONFIG_FILE. */
	env: Record<string, string>;
};

/** A regular, executable file: a bind-mounted /dev/null (the fresh-machine simulation) is not Chromium. */
function isExecutableFile(file: string): boolean {
	try {
		if (!statSync(file).isFile()) return false;
		accessSync(file, constants.X_OK);
		return true;
	} catch {
		return false;
	}
}

/** CHROMIUM_PATH, Debian's Chromium, or the one npm installed; throws with what to do when there is none. */
export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<Chromium> {
	const fonts = { FONTCONFIG_FILE: fontconfigFile() };
	const chosen = env.CHROMIUM_PATH;
	if (chosen) {
		if (!isExecutableFile(chosen)) throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file.`);
		return { executablePath: chosen, source: "CHROMIUM_PATH", env: fonts };
	}
	if (isExecutableFile(DEBIAN_CHROMIUM)) return { executablePath: DEBIAN_CHROMIUM, source: "debian", env: fonts };
	return { executablePath: await npmChromium(), source: "npm", env: fonts };
}

function npmChromiumVersion(): string {
	const file = path.join(NPM_CHROMIUM_PACKAGE, "package.json");
	if (!existsSync(file)) {
		throw new Error("No Chromium: /usr/bin/chromium is missing and @sparticuz/chromium is not installed (run `npm install`), or set CHROMIUM_PATH.");
	}
	const pkg: unknown = JSON.parse(readFileSync(file, "utf8"));
	const version = typeof pkg === "object" && pkg !== null && "version" in pkg ? pkg.version : undefined;
	if (typeof version !== "string") throw new Error(`${file} has no version`);
	return version;
}

/**
 * The path of the npm-shipped Chromium's wrapper, unpacking it on first use (~3 s, ~215 MB): the binary,
 * its NSS libraries (al2023.tar.br, built for Amazon Linux 2023 and fine on any glibc ≥ 2.34) and its
 * Open Sans fonts. A half-finished unpack is never used: it happens in a temp dir renamed into place.
 */
export async function npmChromium(): Promise<string> {
	if (process.platform !== "linux" || process.arch !== "x64") {
		throw new Error(`The Chromium in @sparticuz/chromium runs on x64 Linux only (this is ${process.platform}/${process.arch}): install Chromium and set CHROMIUM_PATH.`);
	}
	const version = npmChromiumVersion();
	const dir = path.join(CACHE_DIR, `chromium-${version}`);
	const wrapper = path.join(dir, "chromium");
	if (isExecutableFile(wrapper)) return wrapper;

	const bin = path.join(NPM_CHROMIUM_PACKAGE, "bin");
	const tmp = `${dir}.${process.pid}.tmp`;
	rmSync(tmp, { recursive: true, force: true });
	mkdirSync(tmp, { recursive: true });
	try {
		await pipeline(createReadStream(path.join(bin, "chromium.br")), createBrotliDecompress(), createWriteStream(path.join(tmp, "headless_shell"), { mode: 0o755 }));
		for (const archive of ["al2023.tar.br", "fonts.tar.br"]) await untarBrotli(path.join(bin, archive), tmp);
		// LD_LIBRARY_PATH only for Chromium, never for the Node process that launches it.
		writeFileSync(
			wrapper.replace(dir, tmp),
			[
				"#!/bin/sh",
				"# Made by scripts/lib/chromium.ts: the headless Chromium of @sparticuz/chromium with its own NSS libraries.",
				'here=$(dirname "$0")',
				'LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"',
				`FONTCONFIG_FILE="\${FONTCONFIG_FILE:-${fontconfigFile()}}"`,
				"export LD_LIBRARY_PATH FONTCONFIG_FILE",
				'exec "$here/headless_shell" "$@"',
				"",
			].join("\n"),
			{ mode: 0o755 },
		);
		rmSync(dir, { recursive: true, force: true });
		renameSync(tmp, dir);
	} catch (err) {
		rmSync(tmp, { recursive: true, force: true });
		throw err;
	}
	return wrapper;
}

async function untarBrotli(file: string, into: string): Promise<void> {
	const tar = path.join(into, path.basename(file, ".br"));
	await pipeline(createReadStream(file), createBrotliDecompress(), createWriteStream(tar));
	const result = spawnSync("tar", ["-xf", tar, "-C", into], { encoding: "utf8" });
	if (result.status !== 0) throw new Error(`tar -xf ${path.basename(tar)} failed: ${result.stderr || result.error?.message || ""}`);
	rmSync(tar);
}

/**
 * A fontconfig file: the machine's own configuration when it has one, plus the CJK font from npm and
 * the npm Chromium's Open Sans; written once into node_modules/.cache/.
 */
export function fontconfigFile(): string {
	const dir = path.join(CACHE_DIR, "chromium-fonts");
	const file = path.join(dir, "fonts.conf");
	if (!existsSync(CJK_FONT_DIR)) throw new Error(`${CJK_FONT_DIR} is missing: run \`npm install\` (the browser tests' CJK font).`);
	const openSans = path.join(CACHE_DIR, `chromium-${existsSync(NPM_CHROMIUM_PACKAGE) ? npmChromiumVersion() : "none"}`, "fonts");
	const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<!-- Made by scripts/lib/chromium.ts for the browser tests' Chromium. -->
<fontconfig>
	<include ignore_missing="yes">/etc/fonts/fonts.conf</include>
	<dir>${CJK_FONT_DIR}</dir>
	<dir>${openSans}</dir>
	<cachedir>${path.join(dir, "cache")}</cachedir>
</fontconfig>
`;
	if (!existsSync(file) || readFileSync(file, "utf8") !== xml) {
		mkdirSync(dir, { recursive: true });
		writeFileSync(file, xml);
	}
	return file;
}
