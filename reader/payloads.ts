// The exact strings a card signs. Pure, and mirrored by the portal's verifier: the helper puts the
// requesting page's Origin into the payload, so a challenge relayed from another site yields a signature
// the portal rejects (its own origin goes into the payload it verifies).

const encoder = new TextEncoder();

/** UTF-8 of `nhi-card-challenge\n${origin}\n${challenge}\n${cardNo}`: signed by the NHI card's key. */
export function nhiCardPayload(origin: string, challenge: string, cardNo: string): Uint8Array {
	return encoder.encode(`nhi-card-challenge\n${origin}\n${challenge}\n${cardNo}`);
}

/** UTF-8 of `certificate-challenge\n${origin}\n${challenge}`: signed by a certificate's key after the PIN. */
export function certificatePayload(origin: string, challenge: string): Uint8Array {
	return encoder.encode(`certificate-challenge\n${origin}\n${challenge}`);
}
