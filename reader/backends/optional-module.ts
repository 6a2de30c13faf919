// Native card libraries are optional: they are installed by the person who has the reader, and loaded
// with a dynamic import only when their backend is chosen, so the virtual backend and the tests never
// need a compiler or a smart-card stack.

export class MissingModuleError extends Error {
	constructor(specifier: string, howToInstall: string) {
		super(`找不到選用模組「${specifier}」，無法使用此讀卡後端。\n安裝方式：\n${howToInstall}`);
		this.name = "MissingModuleError";
	}
}

function isModuleNotFound(err: unknown): boolean {
	return err instanceof Error && "code" in err && (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND");
}

/** The module's CommonJS `module.exports` (or ES namespace when it has no default export). */
export async function importOptional(specifier: string, howToInstall: string): Promise<unknown> {
	let mod: unknown;
	try {
		mod = await import(specifier);
	} catch (err) {
		if (isModuleNotFound(err)) throw new MissingModuleError(specifier, howToInstall);
		throw err;
	}
	if (typeof mod === "object" && mod !== null && "default" in mod && mod.default !== undefined) return mod.default;
	return mod;
}
