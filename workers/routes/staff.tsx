// 授權管理 (SPEC §1): only an active manager of the unit (staff.ts managedUnit) sees or changes its staff.
// Changes answer with 303 back to the list (a reload never repeats them); a refused one shows the form again.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { StaffPage, type ClerkFormValues } from "../../web/pages/staff.tsx";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { validate } from "../lib/validate.ts";
import { requirePerson } from "../middleware/session.ts";
import type { SignedInPerson } from "../services/sessions.ts";
import { authorizeClerk, listUnitStaff, managedUnit, revokeClerk } from "../services/staff.ts";

const TITLE = "授權管理";
const unitCode = z.string().regex(/^\d{9}$/);
const listQuery = z.object({ unit: unitCode.optional(), done: z.enum(["authorized", "revoked"]).optional() });
const authorizeForm = z.object({ unitCode, idNo: z.string().max(20), name: z.string().max(100), email: z.string().max(254) });
const revokeForm = z.object({ unitCode, staffId: z.string().regex(/^[0-9a-f-]{32,36}$/) });

const NOTICES = { authorized: "已授權承辦人。", revoked: "已註銷承辦人授權，其登入狀態已失效。" } as const;
const EMPTY: ClerkFormValues = { idNo: "", name: "", email: "" };

function managedUnits(person: SignedInPerson) {
	return person.units.filter((u) => u.role === "manager");
}

async function renderStaff(c: Context<AppEnv>, person: SignedInPerson, code: string, extra: { values?: ClerkFormValues; error?: string; notice?: string } = {}) {
	const unit = managedUnit(person, code);
	return c.render(
		<StaffPage
			csrfToken={person.csrfToken}
			unit={unit}
			managedUnits={managedUnits(person)}
			staff={await listUnitStaff(c.var.db, unit.code)}
			values={extra.values ?? EMPTY}
			error={extra.error}
			notice={extra.notice}
		/>,
		{ title: TITLE },
	);
}

export const staffRoutes = new Hono<AppEnv>()
	.get("/", validate("query", listQuery), async (c) => {
		const person = requirePerson(c.var.person);
		const query = c.req.valid("query");
		const code = query.unit ?? managedUnits(person)[0]?.code;
		if (!code) throw new AppError("FORBIDDEN");
		return renderStaff(c, person, code, { notice: query.done ? NOTICES[query.done] : undefined });
	})
	.post("/", validate("form", authorizeForm), async (c) => {
		const person = requirePerson(c.var.person);
		const form = c.req.valid("form");
		const result = await authorizeClerk(c.var.db, person, form.unitCode, form);
		if (!result.ok) {
			c.status(422);
			return renderStaff(c, person, form.unitCode, { values: { idNo: form.idNo, name: form.name, email: form.email }, error: result.message });
		}
		return c.redirect(`/staff?unit=${form.unitCode}&done=authorized`, 303);
	})
	.post("/revoke", validate("form", revokeForm), async (c) => {
		const person = requirePerson(c.var.person);
		const form = c.req.valid("form");
		const result = await revokeClerk(c.var.db, person, form.unitCode, form.staffId);
		if (!result.ok) {
			c.status(422);
			return renderStaff(c, person, form.unitCode, { error: result.message });
		}
		return c.redirect(`/staff?unit=${form.unitCode}&done=revoked`, 303);
	});
