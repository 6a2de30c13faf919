// 健保卡網路服務註冊-環境說明 (seed: the registrant mail's step 1 points at NHI's 環境說明 page; SPEC §8):
// what a registrant or clerk needs on their own computer before 讀取 works — a card reader, the local
// reader helper (download, install, start, per OS), its port — and how to let Chrome / Edge reach it
// (Local Network Access). web/public/js/environment.js asks the helper whether it answers, on opening
// and on 重新檢查.

export const ENVIRONMENT_TITLE = "健保卡網路服務註冊-環境說明";
export const ENVIRONMENT_PATH = "/environment";

export type EnvironmentPageProps = {
	isDev: boolean;
	/** The helper's address as the pages call it (READER_URL). */
	readerUrl: string;
	/** This portal's origin: the helper must allow it (--allow-origin). */
	portalOrigin: string;
	/** Where the helper's package is published (READER_DOWNLOAD_URL); empty when not configured. */
	downloadUrl: string;
};

/** The port the pages call the helper on: READER_URL's, or the scheme's default. */
export function readerPort(readerUrl: string): string {
	try {
		const url = new URL(readerUrl);
		return url.port || (url.protocol === "https:" ? "443" : "80");
	} catch {
		return "";
	}
}

function Command({ children }: { children: string }) {
	return (
		<pre class="command">
			<code>{children}</code>
		</pre>
	);
}

function ReaderCheck({ readerUrl }: { readerUrl: string }) {
	return (
		<section class="system-message" aria-labelledby="reader-check-title">
			<h2 id="reader-check-title">讀卡程式狀態</h2>
			<p id="reader-check-status" class="reader-status" role="status" aria-live="polite" data-state="unknown">
				{`尚未檢查。按「重新檢查」確認本機的讀卡程式（${readerUrl}）是否已啟動。`}
			</p>
			<p class="actions">
				<button type="button" id="reader-check">
					重新檢查
				</button>
			</p>
			<noscript>
				<p class="alert">檢查讀卡程式需要瀏覽器的 JavaScript，請啟用後重新整理本頁。</p>
			</noscript>
		</section>
	);
}

function Download({ isDev, downloadUrl }: { isDev: boolean; downloadUrl: string }) {
	if (downloadUrl) {
		return (
			<p>
				<a class="button" id="reader-download" href={downloadUrl}>
					下載讀卡程式
				</a>{" "}
				下載後解壓縮到固定的資料夾（例如「文件」下的 nhi-reader），以後每次都由該資料夾啟動。
			</p>
		);
	}
	return isDev ? (
		<p>開發環境：讀卡程式就在本專案的 reader/ 資料夾，不需另行下載；npm start 會連同入口網站一併啟動它。</p>
	) : (
		<p class="note" id="reader-download-missing">本站尚未設定讀卡程式的下載網址，請洽貴單位資訊人員或系統管理者取得讀卡程式。</p>
	);
}

function PerOs({ startCommand }: { startCommand: string }) {
	return (
		<>
			<section aria-labelledby="os-windows">
				<h3 id="os-windows">Windows 10 / 11</h3>
				<ol>
					<li>
						安裝讀卡機驅動程式（讀卡機廠商提供；多數 USB 晶片讀卡機插上即可使用），並確認 Windows 的「Smart Card」服務已啟動。
					</li>
					<li>
						由 <a href="https://nodejs.org/">nodejs.org</a> 下載並安裝 Node.js 24 LTS（Windows Installer，.msi）。
					</li>
					<li>開啟「命令提示字元」或 PowerShell，切換到讀卡程式的資料夾，第一次使用時執行 npm install。</li>
					<li>執行下列指令啟動讀卡程式，視窗保持開啟（關閉視窗即停止讀卡程式）：</li>
				</ol>
				<Command>{startCommand}</Command>
			</section>
			<section aria-labelledby="os-macos">
				<h3 id="os-macos">macOS 13 以上</h3>
				<ol>
					<li>macOS 內建晶片讀卡機支援，USB 讀卡機插上即可使用。</li>
					<li>
						由 <a href="https://nodejs.org/">nodejs.org</a> 下載並安裝 Node.js 24 LTS（macOS Installer，.pkg）。
					</li>
					<li>開啟「終端機」，切換到讀卡程式的資料夾，第一次使用時執行 npm install。</li>
					<li>執行下列指令啟動讀卡程式，終端機視窗保持開啟：</li>
				</ol>
				<Command>{startCommand}</Command>
			</section>
			<section aria-labelledby="os-linux">
				<h3 id="os-linux">Linux（Debian / Ubuntu）</h3>
				<ol>
					<li>安裝並啟動 PC/SC 服務：sudo apt-get install pcscd libccid，再以 systemctl status pcscd 確認已在執行。</li>
					<li>
						以套件管理程式或由 <a href="https://nodejs.org/">nodejs.org</a> 安裝 Node.js 24 LTS。
					</li>
					<li>在終端機切換到讀卡程式的資料夾，第一次使用時執行 npm install。</li>
					<li>執行下列指令啟動讀卡程式：</li>
				</ol>
				<Command>{startCommand}</Command>
			</section>
		</>
	);
}

/** The 環境說明 page. */
export function EnvironmentPage(props: EnvironmentPageProps) {
	const port = readerPort(props.readerUrl);
	const startCommand = `npm run reader -- --backend pcsc --port ${port} --allow-origin ${props.portalOrigin}`;
	return (
		<section id="environment" data-reader-url={props.readerUrl}>
			<p>
				讀取健保卡（電子信箱認證、重寄認證信、健保卡登入）及自然人憑證、工商憑證登入，都需要在您的電腦上執行「讀卡程式」：本網站的網頁透過它讀取插在晶片讀卡機中的卡片。手機及平板無法連接晶片讀卡機，請使用電腦操作。
			</p>
			<ReaderCheck readerUrl={props.readerUrl} />

			<h2>一、準備事項</h2>
			<ul>
				<li>晶片讀卡機（USB 介面）及您本人的健保卡；以憑證登入者另備自然人憑證或工商憑證及其PIN碼。</li>
				<li>電腦作業系統：Windows 10 / 11、macOS 13 以上，或 Linux。</li>
				<li>瀏覽器：Google Chrome、Microsoft Edge 或 Mozilla Firefox 的最新版本。</li>
			</ul>

			<h2>二、下載讀卡程式</h2>
			<Download isDev={props.isDev} downloadUrl={props.downloadUrl} />

			<h2>三、安裝及啟動（依作業系統）</h2>
			<PerOs startCommand={startCommand} />
			<p>
				以自然人憑證或工商憑證登入時，改以 --backend pkcs11 --pkcs11-module 指定憑證卡廠商的 PKCS#11 程式庫（例如 Windows 的 HiCOS 元件、Linux 的 opensc-pkcs11.so）。
			</p>

			<h2>四、連接埠及允許的網站</h2>
			<table class="form-table">
				<tbody>
					<tr>
						<th scope="row">讀卡程式網址</th>
						<td id="reader-url">{props.readerUrl}</td>
					</tr>
					<tr>
						<th scope="row">連接埠</th>
						<td id="reader-port">{port}</td>
					</tr>
					<tr>
						<th scope="row">允許呼叫的網站</th>
						<td id="portal-origin">{props.portalOrigin}</td>
					</tr>
				</tbody>
			</table>
			<p>
				讀卡程式只在本機（127.0.0.1）的連接埠 {port} 接受連線，且只回應上列網站的網頁。若該連接埠已被其他程式使用，讀卡程式會在啟動時說明；請結束該程式後再啟動讀卡程式。電腦重新開機後，請再次啟動讀卡程式。
			</p>

			<h2 id="local-network-access">五、允許瀏覽器連線到讀卡程式（Chrome / Edge「區域網路存取」）</h2>
			<p>
				Chrome 及 Edge 會先詢問使用者，才允許網站連線到您電腦上的程式。第一次按「讀取」或開啟本頁時，若瀏覽器詢問本網站是否可「尋找並連線至區域網路上的任何裝置」或存取「本機上的應用程式」，請選擇「允許」。
			</p>
			<p>如果先前選了「封鎖」，網頁會顯示「瀏覽器已封鎖本網站連線到您電腦上的讀卡程式」，請依下列步驟改為允許：</p>
			<ol id="allow-local-network">
				<li>點選網址列左側的「網站資訊」圖示（調整圖示或鎖頭）。</li>
				<li>選擇「網站設定」。</li>
				<li>在權限清單中找到「區域網路存取」（或「本機網路存取」「本機上的應用程式」），改為「允許」。</li>
				<li>回到本網站並重新整理網頁，再按「重新檢查」或「讀取」。</li>
			</ol>
			<p>Firefox 目前不會詢問此權限。若公司電腦由資訊人員統一管理瀏覽器設定，請洽資訊人員將本網站加入允許清單。</p>

			{props.isDev ? (
				<>
					<h2>開發環境</h2>
					<ul id="dev-environment">
						<li>npm start 會同時啟動入口網站及讀卡程式（虛擬卡片）；單獨啟動讀卡程式：npm run reader。</li>
						<li>
							插入／移除虛擬卡片：<a href={`${props.readerUrl}/virtual`}>{`${props.readerUrl}/virtual`}</a>
						</li>
					</ul>
				</>
			) : null}
		</section>
	);
}
