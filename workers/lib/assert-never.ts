/** Ends an exhaustive switch: the compiler proves it unreachable; at run time it names the unknown value. */
export function assertNever(value: never): never {
	throw new Error(`Unexpected value: ${String(value)}`);
}
