// Polls the batch's status while it is 已上傳,等待入檔 / 入檔中 and updates the page in place.
(function () {
	const root = document.getElementById("batch-progress");
	if (!root) return;
	const id = root.dataset.batchId;
	const label = document.getElementById("status-label");
	const bar = document.getElementById("status-progress");
	const rows = document.getElementById("status-rows");
	const result = document.getElementById("status-result");
	const links = document.getElementById("result-links");

	function render(s) {
		root.dataset.status = s.status;
		label.textContent = s.label;
		if (s.totalRows > 0) {
			rows.textContent = s.rowsDone + " / " + s.totalRows + " 筆";
			bar.value = Math.floor((s.rowsDone * 100) / s.totalRows);
		}
		if (s.status === "done") {
			result.textContent = "總共上傳" + s.totalRows + "筆,成功註冊" + s.successCount + "筆,失敗" + s.failureCount + "筆";
		} else if (s.status === "failed") {
			result.textContent = s.failureMessage || "入檔失敗";
			result.className = "error";
		}
		const finished = s.status === "done" || s.status === "failed";
		bar.hidden = finished;
		links.hidden = !finished;
		return finished;
	}

	async function poll() {
		try {
			const res = await fetch("/batches/" + encodeURIComponent(id) + "/status", { headers: { Accept: "application/json" } });
			if (res.ok && render(await res.json())) return;
		} catch (_) {
			// Network blip: try again on the next tick.
		}
		setTimeout(poll, 500);
	}
	if (root.dataset.status !== "done" && root.dataset.status !== "failed") poll();
})();
