/** The seed's Excel example table (說明(一)). The corner cell is named for screen readers (Excel leaves it blank). */
export function FileExample() {
	return (
		<table class="grid excel-example">
			<thead>
				<tr>
					<th>
						<span class="visually-hidden">列／欄</span>
					</th>
					<th>A</th>
					<th>B</th>
					<th>C</th>
					<th>D</th>
					<th>E</th>
				</tr>
			</thead>
			<tbody>
				<tr>
					<th>1</th>
					<td>身分證號</td>
					<td>電子郵件</td>
					<td>行動電話</td>
					<td>聯絡電話(區碼以-隔開,分機以#隔開)</td>
					<td>&lt;-第一列請明確勿上傳</td>
				</tr>
				<tr>
					<th>2</th>
					<td>Z987654320</td>
					<td>Z987654320@gg.com.tw</td>
					<td>0912345678</td>
					<td>02-12345678#1234</td>
					<td></td>
				</tr>
				<tr>
					<th>3</th>
					<td></td>
					<td></td>
					<td></td>
					<td></td>
					<td></td>
				</tr>
			</tbody>
		</table>
	);
}
