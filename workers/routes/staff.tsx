// 授權管理 (SPEC §1): only an active manager of the unit (staff.ts managedUnit) sees or changes its staff.
// Changes answer with 303 back to the list (a reload never repeats them); a refused one shows the form again.
import { Hono, type Context } from "hono";
import * as z from "zod/mini";
import { StaffPage, type ClerkFormValues } from "../../web/pages/staff.tsx";
import type { AppEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { validate } from "../lib/validate.ts";
import { requirePerson } from "../middleware/session.ts";
import type { SignedInPerson } from "../domain/signed-in-person.ts";
import { authorizeClerk, listUnitStaff, managedUnit, revokeClerk } from "../services/staff.ts";

const TITLE = "授權管理";
const unitCode = z.string().check(z.regex(/^\d{9}$/));
const listQuery = z.object({ unit: z.optional(unitCode), done: z.optional(z.enum(["authorized", "revoked"])) });
const authorizeForm = z.object({ unitCode, idNo: z.string().check(z.maxLength(20)), name: z.string().check(z.maxLength(100)), email: z.string().check(z.maxLength(254)) });
// 註銷授權 is two steps: the row's button asks (no `confirm`), the confirmation's 確定註銷 revokes.
const revokeForm = z.object({ unitCode, staffId: z.string().check(z.regex(/^[0-9a-f-]{32,36}$/)), confirm: z.optional(z.literal("yes")) });

const NOTICES = { authorized: "已授權承辦人。", revoked: "已註銷承辦人授權，其登入狀態已失效；該承辦人下次操作時會看到授權已由單位管理者註銷的說明。" } as const;
const EMPTY: ClerkFormValues = { idNo: "", name: "", email: "" };

function managedUnits(person: SignedInPerson) {
	return person.units.filter((u) => u.role === "manager");
}

type Extra = { values?: ClerkFormValues; error?: string; notice?: string; confirmRevoke?: string };

async function renderStaff(c: Context<AppEnv>, person: SignedInPerson, code: string, extra: Extra = {}) {
	const unit = managedUnit(person, code);
	const staff = await listUnitStaff(c.var.db, unit.code);
	const confirming = extra.confirmRevoke === undefined ? undefined : staff.find((s) => s.staffId === extra.confirmRevoke && s.role === "clerk" && s.revokedAt === null);
	if (extra.confirmRevoke !== undefined && !confirming) {
		c.status(422);
		extra = { ...extra, error: NO_SUCH_CLERK };
	}
	return c.render(
		<StaffPage
			csrfToken={person.csrfToken}
			unit={unit}
			managedUnits={managedUnits(person)}
			staff={staff}
			values={extra.values ?? EMPTY}
			error={extra.error}
			notice={extra.notice}
			confirmRevoke={confirming}
		/>,
		{ title: TITLE },
	);
}

const NO_SUCH_CLERK = "查無此承辦人，或已註銷授權。";

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
		// First the question: whom, in which unit, and what follows (issue 15: not revoked at one click).
		if (form.confirm !== "yes") return renderStaff(c, person, form.unitCode, { confirmRevoke: form.staffId });
		const result = await revokeClerk(c.var.db, person, form.unitCode, form.staffId);
		if (!result.ok) {
			c.status(422);
			return renderStaff(c, person, form.unitCode, { error: result.message });
		}
		return c.redirect(`/staff?unit=${form.unitCode}&done=revoked`, 303);
	});
