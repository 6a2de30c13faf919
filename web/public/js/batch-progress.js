// Polls the batch's status while it is 已上傳,等待入檔 / 入檔中 and updates the page in place; after
// 入檔完畢 it goes on, more slowly, until every registrant's verification mail has gone out (for 100,000
// rows the mails take minutes), so the page never implies they all went out at once.
(function () {
	const root = document.getElementById("batch-progress");
	if (!root) return;
	const id = root.dataset.batchId;
	const label = document.getElementById("status-label");
	const bar = document.getElementById("status-progress");
	const rows = document.getElementById("status-rows");
	const result = document.getElementById("status-result");
	const links = document.getElementById("result-links");
	const mailRow = document.getElementById("mail-row");
	const mailCell = document.getElementById("mail-progress");
	const IMPORT_POLL_MS = 500;
	const MAIL_POLL_MS = 2000;

	/** 100000 → "100,000", as the server writes counts (workers/domain/count-format.ts). */
	function count(n) {
		return Math.trunc(n).toLocaleString("zh-TW");
	}

	/** The same words as mailProgressText() in web/pages/batch-progress.tsx. */
	function mailText(m) {
		const newer = m.superseded > 0 ? "（另 " + count(m.superseded) + " 位已改由較新的認證信通知）" : "";
		if (m.sent + m.superseded >= m.expected) return "認證信已全部寄出：" + count(m.sent) + " 封" + newer;
		return "認證信寄送中：已寄出 " + count(m.sent) + " / " + count(m.expected) + " 封" + newer;
	}

	function mailsDone(m) {
		return !m || m.expected === 0 || m.sent + m.superseded >= m.expected;
	}

	/** Updates the page; answers whether there is still something to wait for. */
	function render(s) {
		root.dataset.status = s.status;
		label.textContent = s.label;
		if (s.totalRows > 0) {
			rows.textContent = count(s.rowsDone) + " / " + count(s.totalRows) + " 筆";
			bar.value = Math.floor((s.rowsDone * 100) / s.totalRows);
		}
		if (s.status === "done") {
			result.textContent = "總共上傳" + count(s.totalRows) + "筆,成功註冊" + count(s.successCount) + "筆,失敗" + count(s.failureCount) + "筆";
		} else if (s.status === "failed") {
			result.textContent = s.failureMessage || "入檔失敗";
			result.className = "error";
		}
		const finished = s.status === "done" || s.status === "failed";
		bar.hidden = finished;
		links.hidden = !finished;
		if (s.mail && s.mail.expected > 0) {
			const text = mailText(s.mail);
			if (mailCell.textContent !== text) mailCell.textContent = text;
			mailCell.dataset.sent = String(s.mail.sent);
			mailCell.dataset.expected = String(s.mail.expected);
			mailRow.hidden = false;
		}
		return !finished || (s.status === "done" && !mailsDone(s.mail));
	}

	async function poll() {
		let delay = IMPORT_POLL_MS;
		try {
			const res = await fetch("/batches/" + encodeURIComponent(id) + "/status", { headers: { Accept: "application/json" } });
			if (res.status === 401) {
				// Signed out meanwhile (a time-out, or the clerk's authorization revoked): the page, loaded
				// again, says why.
				window.location.reload();
				return;
			}
			if (res.ok) {
				const s = await res.json();
				if (!render(s)) return;
				if (s.status === "done") delay = MAIL_POLL_MS;
			}
		} catch (_) {
			// Network blip: try again on the next tick.
		}
		setTimeout(poll, delay);
	}

	const status = root.dataset.status;
	const mailsPending = status === "done" && mailCell.dataset.expected && Number(mailCell.dataset.sent) < Number(mailCell.dataset.expected);
	if ((status !== "done" && status !== "failed") || mailsPending) poll();
})();
