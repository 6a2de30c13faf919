// Passkeys (WebAuthn) in the browser: binding one on the 通行金鑰 page and signing in with one on the
// sign-in page. The server sends @simplewebauthn/server's JSON options; navigator.credentials wants
// ArrayBuffers, so ids and challenges are converted from and to base64url here (no library, no CDN).
(function () {
	function toBytes(b64url) {
		const b64 = String(b64url).replace(/-/g, "+").replace(/_/g, "/");
		const bin = atob(b64 + "===".slice((b64.length + 3) % 4));
		const out = new Uint8Array(bin.length);
		for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
		return out;
	}

	function toB64url(buffer) {
		const bytes = new Uint8Array(buffer);
		let bin = "";
		for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
		return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
	}

	function descriptor(d) {
		return { type: d.type || "public-key", id: toBytes(d.id), transports: d.transports };
	}

	function creationOptions(json) {
		return Object.assign({}, json, {
			challenge: toBytes(json.challenge),
			user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
			excludeCredentials: (json.excludeCredentials || []).map(descriptor),
		});
	}

	function requestOptions(json) {
		return Object.assign({}, json, {
			challenge: toBytes(json.challenge),
			allowCredentials: (json.allowCredentials || []).map(descriptor),
		});
	}

	function registrationJSON(cred) {
		const r = cred.response;
		return {
			id: cred.id,
			rawId: toB64url(cred.rawId),
			type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			clientExtensionResults: {},
			response: {
				clientDataJSON: toB64url(r.clientDataJSON),
				attestationObject: toB64url(r.attestationObject),
				transports: typeof r.getTransports === "function" ? r.getTransports() : undefined,
			},
		};
	}

	function authenticationJSON(cred) {
		const r = cred.response;
		return {
			id: cred.id,
			rawId: toB64url(cred.rawId),
			type: cred.type,
			authenticatorAttachment: cred.authenticatorAttachment || undefined,
			clientExtensionResults: {},
			response: {
				clientDataJSON: toB64url(r.clientDataJSON),
				authenticatorData: toB64url(r.authenticatorData),
				signature: toB64url(r.signature),
				userHandle: r.userHandle ? toB64url(r.userHandle) : undefined,
			},
		};
	}

	/** POST JSON to the portal; resolves with the parsed answer or throws an Error with the portal's message. */
	async function postJson(url, body, csrf) {
		const res = await fetch(url, {
			method: "POST",
			headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
			body: JSON.stringify(body || {}),
			credentials: "same-origin",
		});
		let data = null;
		try {
			data = await res.json();
		} catch (_) {
			data = null;
		}
		if (!res.ok) throw new Error((data && data.error && data.error.message) || "系統發生錯誤，請稍後再試。");
		return data;
	}

	function webauthnMessage(err) {
		if (err && err.name === "NotAllowedError") return "已取消或逾時，請再試一次。";
		if (err && err.name === "InvalidStateError") return "此裝置上的通行金鑰已綁定過。";
		if (err && err.name === "SecurityError") return "通行金鑰須以網域名稱開啟本站（例如 http://localhost:8787，而非 IP 位址）。";
		return (err && err.message) || "通行金鑰作業失敗，請再試一次。";
	}

	function supported() {
		return typeof window.PublicKeyCredential === "function" && navigator.credentials;
	}

	function show(el, text, isError) {
		if (!el) return;
		el.textContent = text;
		el.classList.toggle("error", Boolean(isError));
	}

	// The 通行金鑰 page: bind a new passkey.
	const bindForm = document.getElementById("passkey-bind-form");
	if (bindForm) {
		const root = document.getElementById("passkeys");
		const status = document.getElementById("passkey-status");
		const button = document.getElementById("passkey-bind");
		bindForm.addEventListener("submit", async function (e) {
			e.preventDefault();
			if (!supported()) return show(status, "此瀏覽器不支援通行金鑰。", true);
			const csrf = root.dataset.csrf;
			const label = document.getElementById("passkey-label").value;
			button.disabled = true;
			show(status, "請依瀏覽器或裝置的提示完成通行金鑰綁定…", false);
			try {
				const start = await postJson("/passkeys/options", {}, csrf);
				let cred;
				try {
					cred = await navigator.credentials.create({ publicKey: creationOptions(start.options) });
				} catch (err) {
					throw new Error(webauthnMessage(err));
				}
				const done = await postJson("/passkeys", { challengeId: start.challengeId, label: label, response: registrationJSON(cred) }, csrf);
				window.location.assign(done.redirect || "/passkeys");
			} catch (err) {
				show(status, err.message, true);
				button.disabled = false;
			}
		});
	}

	// The sign-in page: sign in with a passkey alone.
	const signInButton = document.getElementById("passkey-sign-in");
	if (signInButton) {
		const root = document.getElementById("sign-in");
		const status = document.getElementById("sign-in-status");
		signInButton.addEventListener("click", async function () {
			if (!supported()) return show(status, "此瀏覽器不支援通行金鑰。", true);
			const csrf = root.dataset.csrf;
			signInButton.disabled = true;
			show(status, "請依瀏覽器或裝置的提示使用通行金鑰…", false);
			try {
				const start = await postJson("/sign-in/passkey/options", {}, csrf);
				let cred;
				try {
					cred = await navigator.credentials.get({ publicKey: requestOptions(start.options) });
				} catch (err) {
					throw new Error(webauthnMessage(err));
				}
				const done = await postJson("/sign-in/passkey", { challengeId: start.challengeId, response: authenticationJSON(cred) }, csrf);
				window.location.assign(done.redirect || "/");
			} catch (err) {
				show(status, err.message, true);
				signInButton.disabled = false;
			}
		});
	}
})();
