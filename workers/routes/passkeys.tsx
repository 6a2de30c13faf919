// 通行金鑰 (SPEC §7): list, bind (WebAuthn registration) and delete the signed-in person's passkeys.
// The options and the binding are JSON calls from web/public/js/passkeys.js with the session's CSRF
// header; deleting is a plain form.
import { Hono } from "hono";
import * as z from "zod/mini";
import { PasskeysPage } from "../../web/pages/passkeys.tsx";
import { normalizeCell } from "../domain/normalize.ts";
import type { AppEnv } from "../env.ts";
import { validate } from "../lib/validate.ts";
import { requirePerson } from "../middleware/session.ts";
import { bindPasskey, deletePasskey, listPasskeys, mayBindPasskeys, registrationOptions, relyingParty } from "../services/passkeys.ts";
import { REGISTRATION_RESPONSE } from "./webauthn-json.ts";

const TITLE = "通行金鑰";

const bindBody = z.object({
	challengeId: z.string().check(z.maxLength(128)),
	label: z.pipe(
		z.pipe(
			z.string().check(z.maxLength(80)),
			z.transform((s: string) => normalizeCell(s).replace(/[\u0000-\u001f\u007f]/g, "")),
		),
		z.string().check(z.minLength(1), z.maxLength(40)),
	),
	response: REGISTRATION_RESPONSE,
});
const idParam = z.object({ id: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,1364}$/)) });

export const passkeyRoutes = new Hono<AppEnv>()
	.get("/", async (c) => {
		const person = requirePerson(c.var.person);
		const notice = c.req.query("done") === "deleted" ? "已刪除通行金鑰。" : c.req.query("done") === "bound" ? "已綁定通行金鑰。" : undefined;
		return c.render(
			<PasskeysPage csrfToken={person.csrfToken} passkeys={await listPasskeys(c.var.db, person.idNo)} mayBind={mayBindPasskeys(person)} notice={notice} />,
			{ title: TITLE, scripts: ["passkeys.js"] },
		);
	})
	.post("/options", async (c) => {
		const person = requirePerson(c.var.person);
		return c.json(await registrationOptions(c.var.db, person, relyingParty(c.req.url)));
	})
	.post("/", validate("json", bindBody), async (c) => {
		const person = requirePerson(c.var.person);
		const body = c.req.valid("json");
		const row = await bindPasskey(c.var.db, person, body, relyingParty(c.req.url));
		return c.json({ id: row.id, label: row.label, redirect: "/passkeys?done=bound" });
	})
	.post("/:id/delete", validate("param", idParam), async (c) => {
		const person = requirePerson(c.var.person);
		await deletePasskey(c.var.db, person, c.req.valid("param").id);
		return c.redirect("/passkeys?done=deleted", 303);
	});
