// Buttons of the virtual reader page (GET /virtual): insert a card, remove it, then reload the page.
document.addEventListener("click", async (event) => {
	const button = event.target instanceof Element ? event.target.closest("button[data-action]") : null;
	if (!button) return;
	const { action, cardNo, certId } = button.dataset;
	const url = action === "remove" ? "/virtual/remove" : "/virtual/insert";
	const body = action === "remove" ? {} : cardNo ? { cardNo } : { certId };
	button.disabled = true;
	try {
		const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
		if (res.ok) {
			location.reload();
			return;
		}
		const data = await res.json().catch(() => null);
		document.getElementById("message").textContent = data?.error?.message ?? `操作失敗（HTTP ${res.status}）。`;
	} catch {
		document.getElementById("message").textContent = "無法連線到讀卡程式。";
	} finally {
		button.disabled = false;
	}
});
