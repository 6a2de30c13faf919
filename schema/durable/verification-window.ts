// VerificationWindow's storage. A window is ONE key-value entry ("window") and its alarm: opening a
// thousand windows a wave, the object makes no tables (see durable/verification-window.ts). The first
// version kept the same fields in SQLite tables; an object that still has them moves its row to the
// entry and drops them the first time it is loaded. See schema/STORAGE.md.
export const LEGACY_STATE_TABLES = ["state", "_schema_version"] as const;
