// Upload a batch (SPEC §2–3): check the whole-file rules that need no row checks (name, size,
// encoding, and the file's shape: no data rows, columns out of order, more than 100,000 rows), store
// the batch record and hand the text to the batch's Durable Object, then answer at once. A rejected
// file leaves only its rejection record (status 入檔失敗 with the reason), never a row.
import { eq } from "drizzle-orm";
import { batches } from "../../schema/d1.ts";
import { decodeCsvBytes, describePosition } from "../domain/csv-decode.ts";
import { checkFileShape, MAX_FILE_BYTES } from "../domain/csv-rows.ts";
import { baseName, parseBatchFileName } from "../domain/file-name.ts";
import { maskIdNo } from "../domain/mask.ts";
import { stripBidiControls } from "../domain/normalize.ts";
import { FILE_REASONS, INTERNAL_FAILURE, type FileReasonCode } from "../domain/reasons.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { randomToken } from "../lib/crypto.ts";
import { audit } from "./audit.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";

export type UploadInput = {
	unitCode: string;
	contactName: string;
	contactEmail: string;
	fileName: string;
	/** The file's bytes, or only its size when it went past the limit and was not read to its end. */
	file: { bytes: Uint8Array } | { tooLarge: true; size: number };
};

/** A refused file: its reason code, and where the rule can tell which column is where or which byte. */
export type FileRejection = { code: FileReasonCode; detail?: string };

export type UploadOutcome = { ok: true; batchId: string } | ({ ok: false; batchId: string } & FileRejection);

function fileRejection(input: UploadInput, unitCode: string, now: number): { rejected: FileRejection } | { text: string; encoding: string } {
	if (!("bytes" in input.file) || input.file.bytes.byteLength > MAX_FILE_BYTES) return { rejected: { code: "FILE_TOO_LARGE" } };
	const name = parseBatchFileName(input.fileName, unitCode, now);
	if (!name.ok) return { rejected: { code: name.code } };
	const decoded = decodeCsvBytes(input.file.bytes);
	if (!decoded.ok) return { rejected: "at" in decoded ? { code: decoded.code, detail: describePosition(decoded.at) } : { code: decoded.code } };
	const shape = checkFileShape(decoded.text);
	if (!shape.ok) return { rejected: "detail" in shape ? { code: shape.code, detail: shape.detail } : { code: shape.code } };
	return { text: decoded.text, encoding: decoded.encoding };
}

/** The stored and shown reason of a refused file: the code's message, then the detail when there is one. */
export function rejectionMessage(rejection: FileRejection): string {
	const { message } = FILE_REASONS[rejection.code];
	return rejection.detail ? `${message}${rejection.detail}` : message;
}

export async function uploadBatch(
	env: Env,
	db: Db,
	person: SignedInPerson,
	input: UploadInput,
	now = Date.now(),
): Promise<UploadOutcome> {
	const unit = person.units.find((u) => u.code === input.unitCode);
	if (!unit) throw new AppError("FORBIDDEN");
	const batchId = randomToken(16);
	// Bidi controls would make a stored name read otherwise on every page and log ("a\u202Evsc.exe").
	const fileName = stripBidiControls(baseName(input.fileName)).slice(0, 200);
	const record = {
		id: batchId,
		unitCode: unit.code,
		uploaderIdNo: person.idNo,
		uploaderName: person.name,
		contactName: stripBidiControls(input.contactName),
		contactEmail: input.contactEmail,
		fileName,
		fileBytes: "bytes" in input.file ? input.file.bytes.byteLength : input.file.size,
		uploadedAt: now,
	};
	const checked = fileRejection({ ...input, fileName }, unit.code, now);
	if ("rejected" in checked) {
		const { rejected } = checked;
		await db.insert(batches).values({
			...record,
			status: "failed",
			failureCode: rejected.code,
			failureMessage: rejectionMessage(rejected),
			finishedAt: now,
		});
		await audit(db, { actor: maskIdNo(person.idNo), unitCode: unit.code, action: "batch.upload.rejected", target: batchId, detail: rejected.code });
		return { ok: false, batchId, ...rejected };
	}
	await db.insert(batches).values({ ...record, status: "queued", encoding: checked.encoding });
	await audit(db, { actor: maskIdNo(person.idNo), unitCode: unit.code, action: "batch.upload", target: batchId, detail: fileName });
	try {
		await env.BATCH_UPLOAD.getByName(batchId).start({
			batchId,
			unitCode: unit.code,
			fileName,
			uploadedAt: now,
			text: checked.text,
		});
	} catch (err) {
		// The object never got the file: say so on the record rather than leave it waiting forever.
		await db
			.update(batches)
			.set({ status: "failed", failureCode: "INTERNAL", failureMessage: INTERNAL_FAILURE.message, finishedAt: Date.now() })
			.where(eq(batches.id, batchId));
		throw err;
	}
	return { ok: true, batchId };
}
