// A Durable Object's own schema: an append-only list of SQL migrations, applied in the constructor
// under blockConcurrencyWhile. Never edit an entry once it has shipped; append a new one.

export function migrate(sql: SqlStorage, migrations: readonly string[]): void {
	sql.exec("CREATE TABLE IF NOT EXISTS _schema_version (version INTEGER NOT NULL)");
	const current = sql.exec<{ version: number }>("SELECT version FROM _schema_version").toArray()[0];
	if (!current) sql.exec("INSERT INTO _schema_version (version) VALUES (0)");
	for (let v = current?.version ?? 0; v < migrations.length; v++) {
		sql.exec(migrations[v] as string);
		sql.exec("UPDATE _schema_version SET version = ?", v + 1);
	}
}
