import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";

/**
 * The reader helper's origin from READER_URL (SPEC §8), the one local address the pages may call: not
 * any port on loopback, where other local services live. Unparsable config leaves only 'self'.
 */
export function readerOrigin(readerUrl: string | undefined): string {
	try {
		const url = new URL(readerUrl ?? "");
		return url.protocol === "http:" || url.protocol === "https:" ? url.origin : "'self'";
	} catch {
		return "'self'";
	}
}

/**
 * Security headers (SPEC §7): CSP without inline script, frame-ancestors none, HSTS. connect-src
 * allows the local card-reader helper at READER_URL, which the pages call directly. Static assets get
 * the same from the assets layer (web/public/_headers): they never pass through the Worker.
 */
export const securityHeaders = secureHeaders({
	contentSecurityPolicy: {
		defaultSrc: ["'self'"],
		scriptSrc: ["'self'"],
		styleSrc: ["'self'"],
		imgSrc: ["'self'", "data:"],
		connectSrc: ["'self'", (c: Context) => readerOrigin(c.env?.READER_URL)],
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

/**
 * What the Worker renders (pages, JSON, downloads) is never kept by a browser or a shared cache: it is
 * a signed-in person's data, or carries a CSRF token or a ticket. A route that knows better sets its
 * own Cache-Control. Static assets are the assets layer's and keep their caching.
 */
export const noStore = createMiddleware(async (c, next) => {
	await next();
	if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
});
