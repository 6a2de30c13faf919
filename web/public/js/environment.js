// 環境說明: asks the local reader helper whether it answers (on opening and on 重新檢查) and says what it
// found — running (with its reader and card), not running, or blocked by the browser's Local Network
// Access permission — in #reader-check-status, whose data-state tells which.
(function () {
	const root = document.getElementById("environment");
	if (!root || !window.NhiReader) return;
	const reader = window.NhiReader.create(root.dataset.readerUrl);
	const status = document.getElementById("reader-check-status");
	const button = document.getElementById("reader-check");
	const CARD_KINDS = { nhi: "健保卡", moica: "自然人憑證", moeaca: "工商憑證", unknown: "無法辨識的卡片" };

	function show(state, message) {
		status.dataset.state = state;
		status.classList.toggle("error", state !== "running");
		window.NhiReader.renderMessage(status, message);
	}

	function describe(s) {
		const started = "讀卡程式已啟動，可正常連線。";
		if (!s.reader) return started + "但找不到讀卡機，請確認讀卡機已連接電腦。";
		if (!s.card) return started + "已偵測到讀卡機，尚未插入卡片。";
		return started + "讀卡機中的卡片：" + (CARD_KINDS[s.card.kind] || CARD_KINDS.unknown) + "。";
	}

	async function check() {
		button.disabled = true;
		status.dataset.state = "checking";
		window.NhiReader.renderMessage(status, "檢查中…");
		try {
			show("running", describe(await reader.status()));
		} catch (err) {
			const state = err.code === "LOCAL_NETWORK_DENIED" ? "permission-denied" : err.code === "NOT_RUNNING" ? "not-running" : "error";
			show(state, err);
		} finally {
			button.disabled = false;
		}
	}

	button.addEventListener("click", check);
	check();
})();
