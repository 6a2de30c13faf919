// The registrant's pages (SPEC §6): 健保卡網路服務註冊-電子信箱認證 and 重寄認證信. For a form marked
// data-card-form: 讀取 asks the portal for a challenge (purpose "registrant-card", bound to this browser),
// has the local reader helper sign it with the inserted NHI card (reader-client.js), shows the card's name
// and keeps the answer in the form's hidden fields for the submit. On the verification page 讀取 also
// asks the portal whether the card is this mail's registrant's (POST /verify/card, which leaves the answer
// unspent for 確定): only then do the password rows show; another person's card is told at once, and
// passwords already typed stay in their fields. The strength meter rates the password with the very rules
// the server applies (password-rules.js is generated from workers/domain/password.ts): a password that
// breaks a rule shows as such, never as a strength.
(function () {
	const root = document.getElementById("verify");
	if (!root || !window.NhiReader) return;
	const reader = window.NhiReader.create(root.dataset.readerUrl);
	const csrf = root.dataset.csrf;
	const message = document.getElementById("system-message");
	/** A signed challenge older than this is signed again at submit (the server keeps them 2 minutes). */
	const PROOF_FRESH_MS = 90 * 1000;
	const rulesLoaded = import("/js/password-rules.js");
	/** The card that was read and, on the verification page, found to be the registrant's. */
	let card = null;

	/** The 系統訊息 row: plain text, or an error whose message may link to 環境說明; `code` marks which. */
	function show(text, isError, code) {
		if (!message) return;
		window.NhiReader.renderMessage(message, text);
		message.classList.toggle("error", Boolean(isError));
		if (code) message.dataset.code = code;
		else delete message.dataset.code;
	}

	function set(form, name, value) {
		form.querySelector("input[name=" + name + "]").value = value;
	}

	/** A JSON POST to the portal with this page's CSRF token; the portal's zh-TW message on refusal. */
	async function post(path, body, fallback) {
		const res = await fetch(path, {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
			body: JSON.stringify(body),
			credentials: "same-origin",
		});
		let data = null;
		try {
			data = await res.json();
		} catch (_) {
			data = null;
		}
		if (!res.ok) {
			const e = (data && data.error) || {};
			const err = new Error(e.message || fallback);
			err.code = e.code || "ERROR";
			throw err;
		}
		return data;
	}

	/** "0790305" (the card's ROC yyyMMdd) → "1990-03-05", the form the password rules take. */
	function rocToIso(roc) {
		const m = /^(\d{3})(\d{2})(\d{2})$/.exec(String(roc || ""));
		return m ? String(1911 + Number(m[1])) + "-" + m[2] + "-" + m[3] : "";
	}

	function ruleContext() {
		return { idNo: card ? card.idNo : "", birthDate: card ? rocToIso(card.birthDate) : "" };
	}

	document.querySelectorAll("form[data-card-form]").forEach(function (form) {
		const kind = form.dataset.cardForm;
		const readButton = document.getElementById("card-read");
		const nameField = document.getElementById("card-name");
		const submit = form.querySelector("button[type=submit]");
		const ticket = form.querySelector("input[name=ticket]");
		let signedAt = 0;

		function showPasswordRows(visible) {
			form.querySelectorAll(".after-read").forEach(function (row) {
				row.hidden = !visible;
			});
		}

		async function proveCard() {
			await reader.requireNhiCard();
			const issued = await post("/verify/challenge", { purpose: "registrant-card" }, "無法取得驗證碼，請重新整理本頁後再試。");
			const answer = await reader.signNhiChallenge(issued.challenge);
			set(form, "challengeId", issued.challengeId);
			set(form, "cardNo", answer.basic.cardNo);
			set(form, "signature", answer.signature);
			if (nameField) nameField.value = answer.basic.name;
			signedAt = Date.now();
			return answer.basic;
		}

		/** Verification page: is the card just read this mail's registrant's? (Its answer stays usable for 確定.) */
		async function checkCard() {
			if (kind !== "confirm") return;
			await post(
				"/verify/card",
				{
					ticket: ticket.value,
					challengeId: form.querySelector("input[name=challengeId]").value,
					cardNo: form.querySelector("input[name=cardNo]").value,
					signature: form.querySelector("input[name=signature]").value,
				},
				"健保卡驗證失敗，請重新讀取。",
			);
		}

		/** The card's answer is dropped; what was typed into the password fields is kept. */
		function forget() {
			signedAt = 0;
			card = null;
			if (nameField) nameField.value = "";
			set(form, "challengeId", "");
			set(form, "cardNo", "");
			set(form, "signature", "");
			if (kind === "confirm") showPasswordRows(false);
		}

		async function readAndCheck() {
			const basic = await proveCard();
			await checkCard();
			card = basic;
		}

		if (readButton) {
			readButton.addEventListener("click", async function () {
				readButton.disabled = true;
				show("讀取中…", false);
				try {
					await readAndCheck();
					showPasswordRows(true);
					if (kind === "confirm") {
						show("已讀取健保卡，請設定註冊密碼後按「確定」。", false);
						document.dispatchEvent(new Event("nhi-card-read"));
						document.getElementById("password").focus();
					} else {
						show("已讀取健保卡，請按「查詢」。", false);
					}
				} catch (err) {
					forget();
					show(err, true, err.code);
				} finally {
					readButton.disabled = false;
				}
			});
		}

		/**
		 * The page's own check of the 註冊密碼, with the server's rules and messages; null when it passes.
		 * The field at fault is marked invalid and pointed at the 系統訊息 row.
		 */
		async function passwordProblem() {
			const rules = await rulesLoaded;
			const password = document.getElementById("password");
			const confirm = document.getElementById("password-confirm");
			const problems = rules.passwordProblems(password.value, ruleContext());
			const mismatch = problems.length === 0 && password.value !== confirm.value;
			confirm.setAttribute("aria-invalid", mismatch ? "true" : "false");
			if (mismatch) confirm.setAttribute("aria-describedby", "system-message");
			else confirm.removeAttribute("aria-describedby");
			if (problems.length > 0) {
				return problems
					.map(function (p) {
						return rules.PASSWORD_PROBLEM_MESSAGES[p];
					})
					.join("");
			}
			return mismatch ? rules.CONFIRM_MISMATCH_MESSAGE : null;
		}

		form.addEventListener("submit", async function (e) {
			e.preventDefault();
			if (kind === "confirm" && signedAt === 0) return show("請先將健保卡插入晶片讀卡機，並按「讀取」驗證健保卡。", true);
			submit.disabled = true;
			try {
				if (kind === "confirm") {
					const problem = await passwordProblem();
					if (problem) {
						submit.disabled = false;
						return show(problem, true, "PASSWORD_RULES");
					}
				}
				// The send step always answers a new challenge: the lookup's answer was used up by the lookup.
				// A stale answer is signed again — and checked again, so a card swapped meanwhile is told here,
				// with the passwords still in their fields.
				if (kind === "send" || Date.now() - signedAt > PROOF_FRESH_MS) await readAndCheck();
				show(kind === "confirm" ? "認證中…" : "處理中…", false);
				form.submit();
			} catch (err) {
				if (err.code === "WRONG_CARD") forget();
				show(err, true, err.code);
				submit.disabled = false;
			}
		});
	});

	// ---- the strength meter: a rule failure, or 弱 / 中 / 中強 / 強, as the domain's ratePassword() says -----
	const password = document.getElementById("password");
	const meter = document.getElementById("strength-meter");
	const meterText = document.getElementById("strength-text");
	if (password && meter && meterText) {
		const levels = Array.prototype.slice.call(meter.querySelectorAll(".level"));
		rulesLoaded.then(function (rules) {
			let announced = "";
			function update() {
				const rating = password.value === "" ? null : rules.ratePassword(password.value, ruleContext());
				const strength = rating && rating.ok ? rating.strength : "";
				const reached = rules.STRENGTHS.indexOf(strength);
				meter.dataset.strength = strength;
				meter.dataset.state = rating === null ? "" : rating.ok ? "ok" : "invalid";
				levels.forEach(function (el, i) {
					el.classList.toggle("on", i <= reached);
					el.classList.toggle("current", i === reached);
				});
				const text =
					rating === null
						? ""
						: rating.ok
							? "密碼強度：" + strength
							: "不符合規則：" +
								rating.problems
									.map(function (p) {
										return rules.PASSWORD_PROBLEM_MESSAGES[p];
									})
									.join("");
				// Announced (aria-live) only when it changes, not on every key.
				if (text !== announced) {
					meterText.textContent = text;
					announced = text;
				}
				password.setAttribute("aria-invalid", rating !== null && !rating.ok ? "true" : "false");
			}
			password.addEventListener("input", update);
			// The ID and birth-date rules apply once the card is read.
			document.addEventListener("nhi-card-read", update);
			update();
		});
	}
})();
