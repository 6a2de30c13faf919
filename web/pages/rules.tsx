import { FILE_REASONS, ROW_NOTES, ROW_REASONS } from "../../workers/domain/reasons.ts";
import { FileExample } from "./file-example.tsx";

/** 健保卡整批註冊檔案製作說明, with every reason code a file or a row can get. */
export function RulesPage() {
	return (
		<section>
			<ul>
				<li>檔案所需欄位：身分證號、電子郵件、行動電話、聯絡電話。</li>
				<li>檔案名稱：投保單位代號+年月日.CSV(例:1100010001050801.csv)。</li>
				<li>檔案大小上限 10 MB，每檔最多 100,000 筆資料。</li>
				<li>檔案編碼：Excel「CSV (逗號分隔)」(Big5) 或「CSV UTF-8 (逗號分隔)」皆可。</li>
				<li>第一列若為標題列，系統會自動略過並於入檔記錄中註明；標題列的欄位順序不符時，整份檔案不受理(FILE_COLUMNS)。</li>
				<li>系統只讀取A至D欄；E欄以後有資料的列照常入檔，並於入檔記錄中註明該欄資料未入檔。</li>
				<li>無需提供戶號；系統驗證為投保單位在保保險對象。</li>
			</ul>
			<FileExample />
			<p>
				<a href="/batches/template.csv" download>
					下載範例檔 (CSV)
				</a>
			</p>
			<h2>整份檔案不受理的原因</h2>
			<ReasonTable reasons={FILE_REASONS} />
			<h2>單筆資料不入檔的原因</h2>
			<ReasonTable reasons={ROW_REASONS} />
			<h2>自動修正與附註</h2>
			<ReasonTable reasons={ROW_NOTES} />
		</section>
	);
}

function ReasonTable({ reasons }: { reasons: Record<string, { message: string; fix: string }> }) {
	return (
		<table class="grid">
			<thead>
				<tr>
					<th>代碼</th>
					<th>訊息</th>
					<th>處理方式</th>
				</tr>
			</thead>
			<tbody>
				{Object.entries(reasons).map(([code, r]) => (
					<tr>
						<td>
							<code>{code}</code>
						</td>
						<td>{r.message}</td>
						<td>{r.fix}</td>
					</tr>
				))}
			</tbody>
		</table>
	);
}
