// Validation of the WebAuthn JSON a page posts (PublicKeyCredential.toJSON() shapes, as
// web/public/js/passkeys.js builds them): the fields @simplewebauthn/server reads, base64url text of
// bounded size. Extension outputs are not used, so they are dropped.
import * as z from "zod/mini";
import { AUTHENTICATOR_TRANSPORTS } from "../services/passkeys.ts";

const b64url = (max: number, min = 0) => z.string().check(z.regex(/^[A-Za-z0-9_-]*$/), z.minLength(min), z.maxLength(max));
/** A credential id is at most 1,023 bytes (WebAuthn §5.8.3): 1,364 characters of base64url. */
const credentialId = b64url(1_364, 1);

export const REGISTRATION_RESPONSE = z.object({
	id: credentialId,
	rawId: credentialId,
	type: z.literal("public-key"),
	authenticatorAttachment: z.optional(z.enum(["platform", "cross-platform"])),
	clientExtensionResults: z.object({}),
	response: z.object({
		clientDataJSON: b64url(4_096),
		attestationObject: b64url(16_384),
		transports: z.optional(z.array(z.enum(AUTHENTICATOR_TRANSPORTS)).check(z.maxLength(10))),
	}),
});

export const AUTHENTICATION_RESPONSE = z.object({
	id: credentialId,
	rawId: credentialId,
	type: z.literal("public-key"),
	authenticatorAttachment: z.optional(z.enum(["platform", "cross-platform"])),
	clientExtensionResults: z.object({}),
	response: z.object({
		clientDataJSON: b64url(4_096),
		authenticatorData: b64url(4_096),
		signature: b64url(1_024),
		userHandle: z.optional(b64url(128)),
	}),
});
