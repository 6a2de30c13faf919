// A small client for the local card-reader helper (SPEC §8; reader/server.ts), shared by every page that
// reads an NHI card or a certificate card. window.NhiReader.create(baseUrl) returns the calls; failures
// are NhiReader.ReaderError with the helper's code and zh-TW message, or NOT_RUNNING when the helper
// cannot be reached at all (the fetch itself fails: nothing listens on the port, or it refused us).
(function () {
	const NOT_RUNNING = "讀卡機元件未啟動，請執行 npm run reader（或安裝健保卡讀卡機元件）後重新整理本頁。";
	const INSERT_NHI_CARD = "請將健保卡插入讀卡機。";
	const INSERT_CERTIFICATE_CARD = { moica: "請將自然人憑證插入讀卡機。", moeaca: "請將工商憑證插入讀卡機。" };
	const WRONG_FOR_NHI = "插入的是憑證卡，請改插入健保卡。";
	const WRONG_FOR_CERTIFICATE = { moica: "插入的不是自然人憑證，請改插入自然人憑證。", moeaca: "插入的不是工商憑證，請改插入工商憑證。" };

	class ReaderError extends Error {
		constructor(code, message, details) {
			super(message);
			this.name = "ReaderError";
			this.code = code;
			this.details = details || {};
		}
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
				throw new ReaderError("NOT_RUNNING", NOT_RUNNING);
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
		messages: { NOT_RUNNING: NOT_RUNNING, INSERT_NHI_CARD: INSERT_NHI_CARD, INSERT_CERTIFICATE_CARD: INSERT_CERTIFICATE_CARD },
	};
})();
