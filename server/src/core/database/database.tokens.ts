/** Injection token of the DatabaseTarget (url, kind, pool size) the app was started with. */
export const DATABASE_TARGET = Symbol('DATABASE_TARGET');
