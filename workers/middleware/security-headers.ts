import { secureHeaders } from "hono/secure-headers";

/**
 * Security headers (SPEC §7): CSP without inline script, frame-ancestors none, HSTS. connect-src
 * allows the local card-reader helper on loopback (SPEC §8), which the pages call directly.
 */
export const securityHeaders = secureHeaders({
	contentSecurityPolicy: {
		defaultSrc: ["'self'"],
		scriptSrc: ["'self'"],
		styleSrc: ["'self'"],
		imgSrc: ["'self'", "data:"],
		connectSrc: ["'self'", "http://127.0.0.1:*", "http://localhost:*"],
		formAction: ["'self'"],
		frameAncestors: ["'none'"],
		baseUri: ["'none'"],
		objectSrc: ["'none'"],
	},
	strictTransportSecurity: "max-age=63072000; includeSubDomains",
	xFrameOptions: "DENY",
	// Verification links carry a ticket: never leak a URL to another site. Not "no-referrer": under it
	// Chromium sends `Origin: null` on the portal's own form POSTs, which the CSRF check must refuse.
	referrerPolicy: "same-origin",
});
