// The registrant's pages (SPEC §6): 健保卡網路服務註冊-電子信箱認證 and 重寄認證信. For a form marked
// data-card-form: 讀取 asks the portal for a challenge (purpose "registrant-card", bound to this browser),
// has the local reader helper sign it with the inserted NHI card (reader-client.js), shows the card's name
// and keeps the answer in the form's hidden fields for the submit. On the verification page it then shows
// the password rows and drives the strength meter with the very rules the server applies
// (password-rules.js is generated from workers/domain/password.ts).
(function () {
	const root = document.getElementById("verify");
	if (!root || !window.NhiReader) return;
	const reader = window.NhiReader.create(root.dataset.readerUrl);
	const csrf = root.dataset.csrf;
	const message = document.getElementById("system-message");
	/** A signed challenge older than this is signed again at submit (the server keeps them 2 minutes). */
	const PROOF_FRESH_MS = 90 * 1000;
	const rulesLoaded = import("/js/password-rules.js");

	/** The 系統訊息 row: plain text, or an error whose message may link to 環境說明. */
	function show(text, isError) {
		if (!message) return;
		window.NhiReader.renderMessage(message, text);
		message.classList.toggle("error", Boolean(isError));
		delete message.dataset.code;
	}

	function set(form, name, value) {
		form.querySelector("input[name=" + name + "]").value = value;
	}

	async function challenge() {
		const res = await fetch("/verify/challenge", {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
			body: JSON.stringify({ purpose: "registrant-card" }),
			credentials: "same-origin",
		});
		let data = null;
		try {
			data = await res.json();
		} catch (_) {
			data = null;
		}
		if (!res.ok) throw new Error((data && data.error && data.error.message) || "無法取得驗證碼，請重新整理本頁後再試。");
		return data;
	}

	/** "0790305" (the card's ROC yyyMMdd) → "1990-03-05", the form the password rules take. */
	function rocToIso(roc) {
		const m = /^(\d{3})(\d{2})(\d{2})$/.exec(String(roc || ""));
		return m ? String(1911 + Number(m[1])) + "-" + m[2] + "-" + m[3] : "";
	}

	document.querySelectorAll("form[data-card-form]").forEach(function (form) {
		const kind = form.dataset.cardForm;
		const readButton = document.getElementById("card-read");
		const nameField = document.getElementById("card-name");
		const submit = form.querySelector("button[type=submit]");
		let signedAt = 0;
		let card = null;

		async function proveCard() {
			await reader.requireNhiCard();
			const issued = await challenge();
			const answer = await reader.signNhiChallenge(issued.challenge);
			set(form, "challengeId", issued.challengeId);
			set(form, "cardNo", answer.basic.cardNo);
			set(form, "signature", answer.signature);
			card = answer.basic;
			if (nameField) nameField.value = card.name;
			signedAt = Date.now();
		}

		function forget() {
			signedAt = 0;
			card = null;
			if (nameField) nameField.value = "";
			set(form, "challengeId", "");
			set(form, "cardNo", "");
			set(form, "signature", "");
		}

		if (readButton) {
			readButton.addEventListener("click", async function () {
				readButton.disabled = true;
				show("讀取中…", false);
				try {
					await proveCard();
					form.querySelectorAll(".after-read").forEach(function (row) {
						row.hidden = false;
					});
					if (kind === "confirm") {
						show("已讀取健保卡，請設定註冊密碼後按「確定」。", false);
						document.getElementById("password").focus();
					} else {
						show("已讀取健保卡，請按「查詢」。", false);
					}
				} catch (err) {
					forget();
					show(err, true);
				} finally {
					readButton.disabled = false;
				}
			});
		}

		/** The page's own check of the 註冊密碼, with the server's rules and messages; null when it passes. */
		async function passwordProblem() {
			const rules = await rulesLoaded;
			const pw = document.getElementById("password").value;
			const again = document.getElementById("password-confirm").value;
			const problems = rules.passwordProblems(pw, { idNo: card ? card.idNo : "", birthDate: card ? rocToIso(card.birthDate) : "" });
			if (problems.length > 0) {
				return problems
					.map(function (p) {
						return rules.PASSWORD_PROBLEM_MESSAGES[p];
					})
					.join("");
			}
			if (pw !== again) return rules.CONFIRM_MISMATCH_MESSAGE;
			return null;
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
						return show(problem, true);
					}
				}
				// The send step always answers a new challenge: the lookup's answer was used up by the lookup.
				if (kind === "send" || Date.now() - signedAt > PROOF_FRESH_MS) await proveCard();
				show(kind === "confirm" ? "認證中…" : "處理中…", false);
				form.submit();
			} catch (err) {
				show(err, true);
				submit.disabled = false;
			}
		});
	});

	// ---- the strength meter: 弱 / 中 / 中強 / 強, as the domain's passwordStrength() says ----------------------
	const password = document.getElementById("password");
	const meter = document.getElementById("strength-meter");
	if (password && meter) {
		const levels = Array.prototype.slice.call(meter.querySelectorAll(".level"));
		rulesLoaded.then(function (rules) {
			function update() {
				const strength = password.value === "" ? "" : rules.passwordStrength(password.value);
				const reached = rules.STRENGTHS.indexOf(strength);
				meter.dataset.strength = strength;
				meter.title = strength ? "密碼強度：" + strength : "";
				levels.forEach(function (el, i) {
					el.classList.toggle("on", i <= reached);
					el.classList.toggle("current", i === reached);
				});
			}
			password.addEventListener("input", update);
			update();
		});
	}
})();
