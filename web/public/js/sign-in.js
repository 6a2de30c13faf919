// The sign-in page's card and certificate flows (SPEC §7). For each: ask the portal for a challenge
// (bound to this browser's pre-session), have the local reader helper sign it with the card, put the
// answer into the form's hidden fields and submit the form. The PIN goes to the helper only: its input
// has no name, and it is emptied before the form is submitted.
(function () {
	const root = document.getElementById("sign-in");
	if (!root || !window.NhiReader) return;
	const reader = window.NhiReader.create(root.dataset.readerUrl);
	const csrf = root.dataset.csrf;
	const status = document.getElementById("sign-in-status");
	/** A signed challenge older than this is fetched again at submit (the server keeps them 2 minutes). */
	const PROOF_FRESH_MS = 90 * 1000;

	/** A status line: plain text, or an error whose message may link to 環境說明. */
	function show(message, isError) {
		window.NhiReader.renderMessage(status, message);
		status.classList.toggle("error", Boolean(isError));
	}

	function set(form, name, value) {
		form.querySelector("input[name=" + name + "]").value = value;
	}

	async function challenge(purpose) {
		const res = await fetch("/sign-in/challenge", {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
			body: JSON.stringify({ purpose: purpose }),
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

	/** Shows what the reader holds when the page opens: not running, empty, the wrong card, or ready. */
	async function checkReader(kind) {
		try {
			if (kind === "nhi-card") {
				await reader.requireNhiCard();
				show("已偵測到健保卡，請按「讀取」。", false);
			} else {
				await reader.requireCertificate(kind);
				show("已偵測到憑證卡，請輸入身分證號及PIN碼後按「登入」。", false);
			}
		} catch (err) {
			show(err, true);
		}
	}

	// ---- 健保卡 + 註冊密碼 -------------------------------------------------------------------------------
	const nhiForm = document.getElementById("nhi-card-form");
	if (nhiForm) {
		const holder = document.getElementById("nhi-holder");
		const readButton = document.getElementById("nhi-read");
		const submit = document.getElementById("nhi-submit");
		let signedAt = 0;

		async function proveCard() {
			await reader.requireNhiCard();
			const issued = await challenge("nhi-card");
			const answer = await reader.signNhiChallenge(issued.challenge);
			set(nhiForm, "challengeId", issued.challengeId);
			set(nhiForm, "cardNo", answer.basic.cardNo);
			set(nhiForm, "signature", answer.signature);
			set(nhiForm, "origin", answer.origin);
			holder.textContent = answer.basic.name + "（" + window.NhiReader.maskIdNo(answer.basic.idNo) + "）";
			signedAt = Date.now();
		}

		readButton.addEventListener("click", async function () {
			readButton.disabled = true;
			show("讀取中…", false);
			try {
				await proveCard();
				show("已讀取健保卡，請輸入註冊密碼後按「登入」。", false);
				document.getElementById("password").focus();
			} catch (err) {
				signedAt = 0;
				holder.textContent = "";
				show(err, true);
			} finally {
				readButton.disabled = false;
			}
		});

		/**
		 * After a wrong 註冊密碼 the card is still in the reader: read it again at once (a new challenge: the
		 * last answer was used up), so the person only retypes the password.
		 */
		async function readAgain() {
			try {
				await proveCard();
				show("已重新讀取健保卡，請重新輸入註冊密碼後按「登入」。", false);
				document.getElementById("password").focus();
			} catch (err) {
				signedAt = 0;
				holder.textContent = "";
				show(err, true);
			}
		}

		nhiForm.addEventListener("submit", async function (e) {
			e.preventDefault();
			submit.disabled = true;
			try {
				if (Date.now() - signedAt > PROOF_FRESH_MS) await proveCard();
				show("登入中…", false);
				nhiForm.submit();
			} catch (err) {
				show(err, true);
				submit.disabled = false;
			}
		});
		if (root.dataset.readAgain === "nhi-card") readAgain();
		else checkReader("nhi-card");
	}

	// ---- 自然人憑證 / 工商憑證 + PIN ---------------------------------------------------------------------
	["moica", "moeaca"].forEach(function (kind) {
		const form = document.getElementById(kind + "-form");
		if (!form) return;
		const pin = document.getElementById(kind + "-pin");
		const idNo = document.getElementById(kind + "-id-no");
		const submit = document.getElementById(kind + "-submit");

		form.addEventListener("submit", async function (e) {
			e.preventDefault();
			if (!idNo.value.trim()) return show("請輸入身分證號。", true);
			if (!pin.value) return show("請輸入PIN碼。", true);
			submit.disabled = true;
			show("憑證簽章中…", false);
			try {
				const cert = await reader.requireCertificate(kind);
				const issued = await challenge(kind);
				const answer = await reader.signWithCertificate(cert.id, pin.value, issued.challenge);
				pin.value = "";
				set(form, "challengeId", issued.challengeId);
				set(form, "certificate", answer.certificate);
				// The CA certificates above it, when the helper has them: the server builds the chain from them.
				set(form, "chain", Array.isArray(answer.chain) ? answer.chain.join(",") : "");
				set(form, "signature", answer.signature);
				set(form, "origin", answer.origin);
				show("登入中…", false);
				form.submit();
			} catch (err) {
				show(err, true);
				submit.disabled = false;
			}
		});
		checkReader(kind);
	});
})();
