// multipart/form-data read as a stream (the upload form is the portal's only multipart form), so that no
// body is ever buffered past what its reader needs: the CSRF check reads the leading `_csrf` field and
// nothing after it; the upload reads its fields and at most MAX_FILE_BYTES + 1 bytes of the file, and
// stops there whatever the body's size (SPEC §2: a larger file is refused with the form, not a 413).
// @remix-run/multipart-parser does the parsing; this module only decides how far to read.
import { getMultipartBoundary, MaxFileSizeExceededError, MultipartParseError, MultipartParser, parseMultipart, type MultipartPart } from "@remix-run/multipart-parser";
import { AppError } from "../errors.ts";

/** A form field (not a file) longer than this is not one the portal's forms send. */
const MAX_FIELD_BYTES = 4 * 1024;
/** What the CSRF check reads at most before giving up on finding the token among the leading fields. */
const LEADING_FIELDS_BYTES = 64 * 1024;
const MAX_PART_HEADER_BYTES = 8 * 1024;
const MAX_PARTS = 16;

/** What is read of a request: its headers and its body stream. */
type Body = Pick<Request, "headers" | "body">;

/** Reads `body` chunk by chunk into a multipart parser, keeping the first `keep` bytes for the caller. */
async function* partsOf(request: Body, maxPartBytes: number, prefix?: { keep: number; bytes: Uint8Array[]; length: number }) {
	const boundary = getMultipartBoundary(request.headers.get("Content-Type") ?? "");
	if (!boundary || !request.body) throw new AppError("BAD_REQUEST");
	const parser = new MultipartParser(boundary, { maxFileSize: maxPartBytes, maxHeaderSize: MAX_PART_HEADER_BYTES, maxParts: MAX_PARTS });
	const reader = request.body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			if (prefix && prefix.length < prefix.keep) {
				const slice = value.subarray(0, prefix.keep - prefix.length);
				prefix.bytes.push(slice.slice());
				prefix.length += slice.length;
			}
			yield* parser.write(value);
		}
		parser.finish();
	} finally {
		// Whatever was not read stays unread: cancelling tells the runtime to drop the rest of the body.
		await reader.cancel().catch(() => undefined);
	}
}

function text(part: MultipartPart): string {
	try {
		return part.text;
	} catch {
		throw new AppError("BAD_REQUEST"); // not UTF-8: no browser sends a form field so
	}
}

/**
 * The value of field `name` if it is among the fields before the first file part (where a page's hidden
 * `_csrf` input puts it), reading at most LEADING_FIELDS_BYTES of `request`'s body; null otherwise. A
 * body that is not well-formed form data so far is BAD_REQUEST. Pass a clone when the route reads the
 * body afterwards.
 */
export async function leadingField(request: Body, name: string): Promise<string | null> {
	let read = 0;
	try {
		for await (const part of partsOf(request, MAX_FIELD_BYTES)) {
			if (part.name === undefined) throw new AppError("BAD_REQUEST"); // no Content-Disposition name: not form data
			if (part.isFile) return null;
			if (part.name === name) return text(part);
			read += part.size;
			if (read > LEADING_FIELDS_BYTES) return null;
		}
	} catch (err) {
		if (err instanceof MaxFileSizeExceededError) return null; // a leading field too long to be the token
		if (err instanceof MultipartParseError) throw new AppError("BAD_REQUEST");
		throw err;
	}
	return null;
}

export type UploadedFile =
	| { name: string; bytes: Uint8Array }
	/** The file went past `maxFileBytes`: it was not read to its end; `size` is the request's declared size. */
	| { name: string; tooLarge: true; size: number };

export type UploadForm = { fields: Record<string, string>; file: UploadedFile | null };

/**
 * The upload form: its text fields, and its one file read up to `maxFileBytes` (a file past that is
 * reported as too large, with its name, and the rest of the body is never read). A body that is not
 * well-formed multipart is BAD_REQUEST.
 */
export async function readUploadForm(request: Body, fileField: string, maxFileBytes: number): Promise<UploadForm> {
	const fields: Record<string, string> = {};
	let file: UploadedFile | null = null;
	const prefix = { keep: LEADING_FIELDS_BYTES, bytes: [] as Uint8Array[], length: 0 };
	try {
		for await (const part of partsOf(request, maxFileBytes, prefix)) {
			if (part.name === fileField && part.isFile) {
				file = { name: part.filename ?? "", bytes: part.bytes };
			} else if (part.name === undefined) {
				throw new AppError("BAD_REQUEST"); // no Content-Disposition name: not form data
			} else if (!part.isFile) {
				if (part.size > MAX_FIELD_BYTES) throw new AppError("BAD_REQUEST");
				fields[part.name] = text(part);
			}
		}
	} catch (err) {
		if (err instanceof MaxFileSizeExceededError) {
			const declared = Number(request.headers.get("Content-Length"));
			const size = Number.isSafeInteger(declared) && declared > maxFileBytes ? declared : maxFileBytes + 1;
			return { fields, file: { name: fileNameFromPrefix(prefix.bytes, request, fileField), tooLarge: true, size } };
		}
		if (err instanceof MultipartParseError) throw new AppError("BAD_REQUEST");
		throw err;
	}
	return { fields, file };
}

/**
 * The name of the file part whose content ran past the limit, read again from the body's first bytes
 * (its part headers come right after the small fields): the prefix closed with a final boundary parses
 * as a complete message whose last part is the file's beginning.
 */
function fileNameFromPrefix(chunks: Uint8Array[], request: Body, fileField: string): string {
	const boundary = getMultipartBoundary(request.headers.get("Content-Type") ?? "");
	if (!boundary) return "";
	const closing = new TextEncoder().encode(`\r\n--${boundary}--\r\n`);
	const length = chunks.reduce((n, c) => n + c.length, 0);
	const message = new Uint8Array(length + closing.length);
	let at = 0;
	for (const c of chunks) {
		message.set(c, at);
		at += c.length;
	}
	message.set(closing, at);
	try {
		for (const part of parseMultipart(message, { boundary, maxFileSize: LEADING_FIELDS_BYTES, maxHeaderSize: MAX_PART_HEADER_BYTES })) {
			if (part.name === fileField && part.isFile) return part.filename ?? "";
		}
	} catch {
		// The prefix ended inside the file's part headers: the name stays unknown.
	}
	return "";
}
