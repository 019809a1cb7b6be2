/**
 * The connection string of the database this instance runs on (DATABASE_URL, or the embedded
 * server's), for the few parts that open a connection of their own.
 */
export const DATABASE_URL = Symbol('DATABASE_URL');
