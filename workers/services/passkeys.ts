// Passkeys (WebAuthn, SPEC §7): bound after a card or certificate sign-in, then usable alone. The
// WebAuthn challenge is one of ours (challenges.ts: single use, 2 minutes, bound to the session when
// binding, to the pre-session when signing in), handed to @simplewebauthn/server as its bytes, so the
// options' base64url challenge is exactly the stored one. Sign-in uses discoverable credentials (no
// user name asked) and requires user verification, since the passkey is then the only factor.
import {
	generateAuthenticationOptions,
	generateRegistrationOptions,
	verifyAuthenticationResponse,
	verifyRegistrationResponse,
	type AuthenticationResponseJSON,
	type PublicKeyCredentialCreationOptionsJSON,
	type PublicKeyCredentialRequestOptionsJSON,
	type RegistrationResponseJSON,
} from "@simplewebauthn/server";
import { and, desc, eq } from "drizzle-orm";
import { passkeys } from "../../schema/d1.ts";
import { maskIdNo } from "../domain/mask.ts";
import type { Db } from "../env.ts";
import { AppError } from "../errors.ts";
import { base64url, fromBase64url } from "../lib/crypto.ts";
import { audit } from "./audit.ts";
import { issueChallenge, spendChallenge } from "./challenges.ts";
import type { SignInMethod, SignedInPerson } from "../domain/signed-in-person.ts";
import { refuse, succeed, type SignInOutcome } from "./sign-in.ts";

/** The relying party: the portal's own origin and host name, as the request shows them. */
export type RelyingParty = { id: string; origin: string; name: string };

export const RP_NAME = "多憑證網路承保作業";
/** A person may keep this many passkeys (phones, security keys, computers). */
export const MAX_PASSKEYS = 10;
/** Sign-in methods after which a passkey may be bound (SPEC §7: after a card or certificate sign-in). */
const BINDING_METHODS: readonly string[] = ["nhi-card", "moica"] satisfies SignInMethod[];

export function relyingParty(requestUrl: string): RelyingParty {
	const url = new URL(requestUrl);
	return { id: url.hostname, origin: url.origin, name: RP_NAME };
}

export function mayBindPasskeys(person: SignedInPerson): boolean {
	return BINDING_METHODS.includes(person.method);
}

export type PasskeyRow = typeof passkeys.$inferSelect;

export async function listPasskeys(db: Db, idNo: string): Promise<PasskeyRow[]> {
	return db.select().from(passkeys).where(eq(passkeys.idNo, idNo)).orderBy(desc(passkeys.createdAt)).all();
}

export async function registrationOptions(
	db: Db,
	person: SignedInPerson,
	rp: RelyingParty,
	now = Date.now(),
): Promise<{ challengeId: string; options: PublicKeyCredentialCreationOptionsJSON }> {
	if (!mayBindPasskeys(person)) throw new AppError("FORBIDDEN", "綁定通行金鑰前，請先以健保卡或自然人憑證登入。");
	const existing = await listPasskeys(db, person.idNo);
	if (existing.length >= MAX_PASSKEYS) throw new AppError("FORBIDDEN", `通行金鑰最多 ${MAX_PASSKEYS} 把，請先刪除不用的通行金鑰。`);
	const issued = await issueChallenge(db, "passkey-register", person.tokenHash, now);
	const options = await generateRegistrationOptions({
		rpName: rp.name,
		rpID: rp.id,
		userName: maskIdNo(person.idNo),
		userDisplayName: person.name,
		challenge: fromBase64url(issued.challenge),
		timeout: 120_000,
		attestationType: "none",
		excludeCredentials: existing.map((p) => ({ id: p.id, transports: transportsOf(p) })),
		authenticatorSelection: { residentKey: "required", userVerification: "required" },
	});
	return { challengeId: issued.id, options };
}

export async function bindPasskey(
	db: Db,
	person: SignedInPerson,
	input: { challengeId: string; label: string; response: RegistrationResponseJSON },
	rp: RelyingParty,
	now = Date.now(),
): Promise<PasskeyRow> {
	if (!mayBindPasskeys(person)) throw new AppError("FORBIDDEN", "綁定通行金鑰前，請先以健保卡或自然人憑證登入。");
	const { challenge } = await spendChallenge(db, input.challengeId, "passkey-register", person.tokenHash, now);
	let verification: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
	try {
		verification = await verifyRegistrationResponse({
			response: input.response,
			expectedChallenge: challenge,
			expectedOrigin: rp.origin,
			expectedRPID: rp.id,
			requireUserVerification: true,
		});
	} catch {
		throw new AppError("FORBIDDEN", "通行金鑰驗證失敗，請再試一次。");
	}
	if (!verification.verified) throw new AppError("FORBIDDEN", "通行金鑰驗證失敗，請再試一次。");
	const { credential } = verification.registrationInfo;
	const row: PasskeyRow = {
		id: credential.id,
		idNo: person.idNo,
		publicKey: base64url(credential.publicKey),
		counter: credential.counter,
		transports: credential.transports ? JSON.stringify(credential.transports) : null,
		label: input.label,
		createdAt: now,
		lastUsedAt: null,
	};
	const inserted = await db.insert(passkeys).values(row).onConflictDoNothing().returning().get();
	if (!inserted) throw new AppError("FORBIDDEN", "此通行金鑰已綁定過。");
	await audit(db, { actor: maskIdNo(person.idNo), action: "passkey.bind", target: credential.id.slice(0, 16), detail: person.method }, now);
	return inserted;
}

export async function deletePasskey(db: Db, person: SignedInPerson, id: string, now = Date.now()): Promise<void> {
	const gone = await db
		.delete(passkeys)
		.where(and(eq(passkeys.id, id), eq(passkeys.idNo, person.idNo)))
		.returning({ id: passkeys.id })
		.get();
	if (!gone) throw new AppError("NOT_FOUND");
	await audit(db, { actor: maskIdNo(person.idNo), action: "passkey.delete", target: id.slice(0, 16) }, now);
}

export async function authenticationOptions(
	db: Db,
	bindingHash: string,
	rp: RelyingParty,
	now = Date.now(),
): Promise<{ challengeId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
	const issued = await issueChallenge(db, "passkey-sign-in", bindingHash, now);
	const options = await generateAuthenticationOptions({
		rpID: rp.id,
		challenge: fromBase64url(issued.challenge),
		timeout: 120_000,
		userVerification: "required",
	});
	return { challengeId: issued.id, options };
}

const UNKNOWN_PASSKEY_MESSAGE = "此通行金鑰未綁定本系統帳號（或已刪除），請改用健保卡或自然人憑證登入。";

export async function signInWithPasskey(
	db: Db,
	input: { challengeId: string; bindingHash: string; response: AuthenticationResponseJSON },
	rp: RelyingParty,
	now = Date.now(),
): Promise<SignInOutcome> {
	let challenge: string;
	try {
		({ challenge } = await spendChallenge(db, input.challengeId, "passkey-sign-in", input.bindingHash, now));
	} catch (err) {
		if (err instanceof AppError && err.code === "FORBIDDEN") return refuse(db, null, "passkey", "PROOF_REFUSED", err.message, now);
		throw err;
	}
	const stored = await db.select().from(passkeys).where(eq(passkeys.id, input.response.id)).get();
	if (!stored) return refuse(db, null, "passkey", "UNKNOWN_PASSKEY", UNKNOWN_PASSKEY_MESSAGE, now);
	let verification: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
	try {
		verification = await verifyAuthenticationResponse({
			response: input.response,
			expectedChallenge: challenge,
			expectedOrigin: rp.origin,
			expectedRPID: rp.id,
			credential: { id: stored.id, publicKey: fromBase64url(stored.publicKey), counter: stored.counter, transports: transportsOf(stored) },
			requireUserVerification: true,
		});
	} catch {
		return refuse(db, stored.idNo, "passkey", "PROOF_REFUSED", "通行金鑰驗證失敗，請再試一次。", now);
	}
	if (!verification.verified) return refuse(db, stored.idNo, "passkey", "PROOF_REFUSED", "通行金鑰驗證失敗，請再試一次。", now);
	await db
		.update(passkeys)
		.set({ counter: verification.authenticationInfo.newCounter, lastUsedAt: now })
		.where(eq(passkeys.id, stored.id));
	return succeed(db, stored.idNo, "passkey", now, { detail: `passkey ${stored.id.slice(0, 16)}` });
}

function transportsOf(row: PasskeyRow): AuthenticatorTransport[] | undefined {
	if (!row.transports) return undefined;
	const parsed: unknown = JSON.parse(row.transports);
	return Array.isArray(parsed) ? parsed.filter((t): t is AuthenticatorTransport => typeof t === "string" && TRANSPORTS.has(t)) : undefined;
}

type AuthenticatorTransport = "ble" | "cable" | "hybrid" | "internal" | "nfc" | "smart-card" | "usb";
export const AUTHENTICATOR_TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const satisfies readonly AuthenticatorTransport[];
const TRANSPORTS: ReadonlySet<string> = new Set(AUTHENTICATOR_TRANSPORTS);
