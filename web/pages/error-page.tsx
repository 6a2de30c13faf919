import type { AppError } from "../../workers/errors.ts";

export function ErrorPage({ error }: { error: AppError }) {
	return (
		<section class="system-message" role="alert">
			<p>{error.message}</p>
			{error.code === "UNAUTHENTICATED" ? (
				<p>
					<a href="/sign-in">回登入頁</a>
				</p>
			) : (
				<p>
					<a href="/">回首頁</a>
				</p>
			)}
		</section>
	);
}
