// npm run reader [-- --backend virtual|pcsc|pkcs11] [--port 61161] [--allow-origin URL]… [--keys-dir DIR]
//                 [--pkcs11-module /path/to/lib]
// The local card-reader helper (SPEC §8). Environment: READER_PORT, READER_ALLOWED_ORIGINS (comma list),
// READER_PKCS11_MODULE. Command-line options win over the environment.

import path from "node:path";
import { parseArgs } from "node:util";
import { PcscBackend } from "./backends/pcsc.ts";
import { Pkcs11Backend } from "./backends/pkcs11.ts";
import { VirtualBackend } from "./backends/virtual.ts";
import type { CardBackend } from "./card.ts";
import { DEFAULT_ALLOWED_ORIGINS, DEFAULT_PORT, type ReaderServerOptions, startReaderServer } from "./server.ts";

const USAGE = `用法：npm run reader -- [選項]
  --backend virtual|pcsc|pkcs11   讀卡方式（預設 virtual：seed 產生的虛擬卡片）
  --port N                        本機連接埠（預設 ${DEFAULT_PORT}，或環境變數 READER_PORT）
  --allow-origin URL              允許呼叫的網站，可重複（預設 ${DEFAULT_ALLOWED_ORIGINS.join("、")}；
                                  或環境變數 READER_ALLOWED_ORIGINS，以逗號分隔）
  --keys-dir DIR                  虛擬卡片金鑰目錄（預設 .reader-keys）
  --pkcs11-module PATH            憑證卡廠商的 PKCS#11 程式庫（--backend pkcs11 時必填）`;

class UsageError extends Error {}

/** "http://127.0.0.1:8787" as is; no path, no wildcard, no "null". */
function origin(value: string): string {
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		throw new UsageError(`不是有效的網址：${value}`);
	}
	if ((url.protocol !== "http:" && url.protocol !== "https:") || url.origin !== value) {
		throw new UsageError(`允許的網站須為 http(s)://主機[:埠]，不含路徑或結尾斜線：${value}`);
	}
	return value;
}

function port(value: string): number {
	const n = Number(value);
	if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new UsageError(`連接埠須為 1–65535：${value}`);
	return n;
}

type Cli = { backend: "virtual" | "pcsc" | "pkcs11"; port: number; allowedOrigins: string[]; keysDir: string; pkcs11Module?: string };

function parseCli(argv: string[], env: NodeJS.ProcessEnv): Cli | null {
	const { values } = parseArgs({
		args: argv,
		options: {
			backend: { type: "string", default: "virtual" },
			port: { type: "string" },
			"allow-origin": { type: "string", multiple: true },
			"keys-dir": { type: "string", default: ".reader-keys" },
			"pkcs11-module": { type: "string" },
			help: { type: "boolean", short: "h" },
		},
		strict: true,
	});
	if (values.help) return null;
	const backend = values.backend;
	if (backend !== "virtual" && backend !== "pcsc" && backend !== "pkcs11") throw new UsageError(`不支援的讀卡方式：${backend}`);
	const origins = values["allow-origin"] ?? env.READER_ALLOWED_ORIGINS?.split(",").map((o) => o.trim()).filter((o) => o !== "") ?? DEFAULT_ALLOWED_ORIGINS;
	const pkcs11Module = values["pkcs11-module"] ?? env.READER_PKCS11_MODULE;
	if (backend === "pkcs11" && !pkcs11Module) throw new UsageError("--backend pkcs11 須以 --pkcs11-module 指定 PKCS#11 程式庫路徑。");
	return {
		backend,
		port: port(values.port ?? env.READER_PORT ?? String(DEFAULT_PORT)),
		allowedOrigins: origins.map(origin),
		keysDir: path.resolve(values["keys-dir"]),
		pkcs11Module,
	};
}

async function openBackend(cli: Cli, log: (line: string) => void): Promise<Pick<ReaderServerOptions, "backend" | "virtual">> {
	switch (cli.backend) {
		case "virtual": {
			const virtual = await VirtualBackend.load(cli.keysDir);
			return { backend: virtual, virtual };
		}
		case "pcsc":
			return { backend: await PcscBackend.open(log) };
		case "pkcs11":
			return { backend: await Pkcs11Backend.open(cli.pkcs11Module ?? "") };
	}
}

async function main(): Promise<void> {
	let cli: Cli | null;
	try {
		cli = parseCli(process.argv.slice(2), process.env);
	} catch (err) {
		console.error(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
		process.exitCode = 2;
		return;
	}
	if (cli === null) {
		console.log(USAGE);
		return;
	}
	const log = (line: string): void => console.log(`[${new Date().toLocaleTimeString("zh-TW", { hour12: false })}] ${line}`);
	let backend: CardBackend;
	let reader: Awaited<ReturnType<typeof startReaderServer>>;
	try {
		const opened = await openBackend(cli, log);
		backend = opened.backend;
		reader = await startReaderServer({ ...opened, allowedOrigins: cli.allowedOrigins, port: cli.port, log }).catch(async (err: unknown) => {
			await opened.backend.close();
			throw err;
		});
	} catch (err) {
		if (err instanceof Error && "code" in err && err.code === "EADDRINUSE") {
			console.error(`連接埠 ${cli.port} 已被使用：讀卡程式可能已在執行，或請以 --port 指定其他連接埠。`);
		} else {
			console.error(err instanceof Error ? err.message : String(err));
		}
		process.exitCode = 1;
		return;
	}

	console.log(`健保卡讀卡程式已啟動（${backend.name}）：${reader.url}`);
	console.log(`允許呼叫的網站：${cli.allowedOrigins.join("、")}`);
	if (cli.backend === "virtual") console.log(`插入／移除虛擬卡片：${reader.url}/virtual`);
	console.log("按 Ctrl+C 結束。");

	let stopping = false;
	const stop = (signal: NodeJS.Signals): void => {
		if (stopping) return;
		stopping = true;
		console.log(`\n收到 ${signal}，讀卡程式結束中…`);
		reader.close().then(
			() => process.exit(0),
			(err: unknown) => {
				console.error(err instanceof Error ? err.message : String(err));
				process.exit(1);
			},
		);
	};
	process.once("SIGINT", stop);
	process.once("SIGTERM", stop);
}

await main();
