// Checks the chosen file before it is sent (the server checks again): name, extension, size.
(function () {
	const form = document.getElementById("upload-form");
	if (!form) return;
	const input = document.getElementById("file");
	const note = document.getElementById("file-check");
	const unit = form.querySelector("[name=unitCode]");
	const submit = document.getElementById("upload-submit");
	const MAX_BYTES = 10 * 1024 * 1024;

	function problem(file) {
		if (!file) return "請選擇要上傳的檔案。";
		const name = file.name.split(/[\\/]/).pop();
		if (!/\.csv$/i.test(name)) return "只限上傳.csv檔。";
		if (!/^\d{16}\.csv$/i.test(name)) return "檔名須為「投保單位代號(9碼)+民國年月日(7碼).csv」，例：1100010001050801.csv。";
		if (unit && name.slice(0, 9) !== unit.value) return "檔名前9碼須為所選的投保單位代號 " + unit.value + "。";
		if (file.size > MAX_BYTES) return "檔案超過 10 MB 上限，請將資料分成多個檔案上傳。";
		return "";
	}

	/** Shows the page's own finding on the file; the field says whether it is invalid (aria-invalid). */
	function report(p) {
		note.textContent = p;
		input.setAttribute("aria-invalid", p ? "true" : "false");
	}

	input.addEventListener("change", function () {
		report(problem(input.files[0]));
	});
	form.addEventListener("submit", function (e) {
		const p = problem(input.files[0]);
		report(p);
		if (p) {
			e.preventDefault();
			return;
		}
		submit.disabled = true;
		submit.textContent = "上傳中…";
	});
})();
