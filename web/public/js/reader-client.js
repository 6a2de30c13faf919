// A small client for the local card-reader helper (SPEC §8; reader/server.ts), shared by every page that
// reads an NHI card or a certificate card. window.NhiReader.create(baseUrl) returns the calls; failures
// are NhiReader.ReaderError with the helper's code and zh-TW message. When the helper cannot be reached
// at all (the fetch itself fails) the code says why as far as the page can tell: LOCAL_NETWORK_DENIED
// when the browser refused this site access to the local network (Chrome's Local Network Access
// permission, asked from a public site before it may call 127.0.0.1), else NOT_RUNNING. Their messages
// carry a link to the portal's 環境說明 page (err.parts; NhiReader.renderMessage puts them into an
// element as text and <a> nodes); the `npm run reader` hint is for development only
// (<body data-environment="development">, set by web/layout.tsx).
(function () {
	const ENVIRONMENT_PATH = "/environment";
	const NOT_RUNNING_DEV = "讀卡機元件未啟動，請執行 npm run reader（或安裝健保卡讀卡機元件）後重新整理本頁。";
	const NOT_RUNNING_PARTS = ["讀卡機元件未啟動，請依", { href: ENVIRONMENT_PATH, text: "環境說明" }, "下載、安裝並啟動讀卡程式後，重新整理本頁。"];
	const LOCAL_NETWORK_DENIED_PARTS = [
		"瀏覽器已封鎖本網站連線到您電腦上的讀卡程式（區域網路存取權限）。請點選網址列左側的網站資訊圖示，將「區域網路存取」改為「允許」後重新整理本頁，步驟詳見",
		{ href: ENVIRONMENT_PATH + "#local-network-access", text: "環境說明" },
		"。",
	];
	const INSERT_NHI_CARD = "請將健保卡插入讀卡機。";
	const INSERT_CERTIFICATE_CARD = { moica: "請將自然人憑證插入讀卡機。", moeaca: "請將工商憑證插入讀卡機。" };
	const WRONG_FOR_NHI = "插入的是憑證卡，請改插入健保卡。";
	const WRONG_FOR_CERTIFICATE = { moica: "插入的不是自然人憑證，請改插入自然人憑證。", moeaca: "插入的不是工商憑證，請改插入工商憑證。" };

	/** Text and links → the plain message (links read as their text). */
	function textOf(parts) {
		return parts
			.map(function (p) {
				return typeof p === "string" ? p : p.text;
			})
			.join("");
	}

	class ReaderError extends Error {
		/** parts: the message as text and { href, text } links, when it has links. */
		constructor(code, message, details, parts) {
			super(message);
			this.name = "ReaderError";
			this.code = code;
			this.details = details || {};
			this.parts = parts || [message];
		}
	}

	function fromParts(code, parts) {
		return new ReaderError(code, textOf(parts), {}, parts);
	}

	function isDevelopment() {
		return Boolean(document.body) && document.body.dataset.environment === "development";
	}

	/**
	 * Chrome's Local Network Access permission for this site: "denied" once the user (or a policy) blocked
	 * it. Chromium names it "loopback-network" (and "local-network") since the permission was split, and
	 * "local-network-access" before; a browser without it throws on the name.
	 */
	async function localNetworkPermission() {
		if (!navigator.permissions || !navigator.permissions.query) return "unsupported";
		for (const name of ["loopback-network", "local-network-access"]) {
			try {
				return (await navigator.permissions.query({ name: name })).state;
			} catch (_) {
				// Not a permission this browser knows: try the older name.
			}
		}
		return "unsupported";
	}

	/** Why the helper could not be reached at all. */
	async function unreachable() {
		if ((await localNetworkPermission()) === "denied") return fromParts("LOCAL_NETWORK_DENIED", LOCAL_NETWORK_DENIED_PARTS);
		return isDevelopment() ? new ReaderError("NOT_RUNNING", NOT_RUNNING_DEV) : fromParts("NOT_RUNNING", NOT_RUNNING_PARTS);
	}

	/** Puts a message (an error's parts, or plain text) into `el` as text nodes and links; never as HTML. */
	function renderMessage(el, message) {
		const parts = message instanceof ReaderError ? message.parts : [message instanceof Error ? message.message : String(message)];
		el.replaceChildren();
		parts.forEach(function (p) {
			if (typeof p === "string") {
				el.append(p);
				return;
			}
			const a = document.createElement("a");
			a.href = p.href;
			a.textContent = p.text;
			el.append(a);
		});
	}

	function create(baseUrl) {
		const base = String(baseUrl || "http://127.0.0.1:61161").replace(/\/+$/, "");

		async function call(method, path, body) {
			let res;
			try {
				res = await fetch(base + path, {
					method: method,
					headers: body === undefined ? {} : { "Content-Type": "application/json" },
					body: body === undefined ? undefined : JSON.stringify(body),
					mode: "cors",
					credentials: "omit",
					cache: "no-store",
				});
			} catch (_) {
				throw await unreachable();
			}
			let data = null;
			try {
				data = await res.json();
			} catch (_) {
				data = null;
			}
			if (!res.ok) {
				const e = (data && data.error) || {};
				if (e.code === "NO_CARD") throw new ReaderError("NO_CARD", e.message || INSERT_NHI_CARD, e);
				throw new ReaderError(e.code || "READER_ERROR", e.message || "讀卡機元件發生錯誤，請重新整理本頁後再試。", e);
			}
			return data;
		}

		const reader = {
			/** { reader: boolean, card: null | { kind: "nhi" | "moica" | "moeaca" | "unknown" }, backend } */
			status: function () {
				return call("GET", "/v1/status");
			},
			readNhiCard: function () {
				return call("POST", "/v1/nhi-card/read", {});
			},
			/** { basic, origin, signature } */
			signNhiChallenge: function (challenge) {
				return call("POST", "/v1/nhi-card/sign", { challenge: challenge });
			},
			/** [{ id, kind, subject, certificate }] */
			listCertificates: function () {
				return call("GET", "/v1/certificates");
			},
			/** { certificate, origin, signature }; the PIN goes to the card and nowhere else. */
			signWithCertificate: function (id, pin, challenge) {
				return call("POST", "/v1/certificates/sign", { id: id, pin: pin, challenge: challenge });
			},
			/** Asks the status first, so an empty reader is a message, not a failed request. */
			requireNhiCard: async function () {
				const s = await reader.status();
				if (!s.reader) throw new ReaderError("NO_READER", "找不到讀卡機，請確認讀卡機已連接電腦。");
				if (!s.card) throw new ReaderError("NO_CARD", INSERT_NHI_CARD);
				if (s.card.kind !== "nhi") throw new ReaderError("WRONG_CARD_KIND", WRONG_FOR_NHI);
				return s;
			},
			/** kind: "moica" | "moeaca"; resolves with the card's certificate entry of that kind. */
			requireCertificate: async function (kind) {
				const s = await reader.status();
				if (!s.reader) throw new ReaderError("NO_READER", "找不到讀卡機，請確認讀卡機已連接電腦。");
				if (!s.card) throw new ReaderError("NO_CARD", INSERT_CERTIFICATE_CARD[kind]);
				if (s.card.kind !== kind && s.card.kind !== "unknown") throw new ReaderError("WRONG_CARD_KIND", WRONG_FOR_CERTIFICATE[kind]);
				const certs = await reader.listCertificates();
				const cert = certs.find(function (c) {
					return c.kind === kind;
				});
				if (!cert) throw new ReaderError("WRONG_CARD_KIND", WRONG_FOR_CERTIFICATE[kind]);
				return cert;
			},
		};
		return reader;
	}

	/** "A123456789" → "A12345****", as the portal masks IDs. */
	function maskIdNo(id) {
		const s = String(id || "");
		return s.slice(0, Math.max(0, Math.min(6, s.length - 4))) + "****";
	}

	window.NhiReader = {
		create: create,
		ReaderError: ReaderError,
		maskIdNo: maskIdNo,
		renderMessage: renderMessage,
		messages: { INSERT_NHI_CARD: INSERT_NHI_CARD, INSERT_CERTIFICATE_CARD: INSERT_CERTIFICATE_CARD },
	};
})();
