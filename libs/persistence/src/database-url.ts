/** The connection string, for the few parts that need a connection of their own. */
export const DATABASE_URL = Symbol('DATABASE_URL');
