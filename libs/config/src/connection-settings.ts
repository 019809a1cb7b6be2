/**
 * Settings that every Postgres connection of ours carries (pool, listener, leader lock,
 * replication). TCP keepalive lets the kernel notice a peer that vanished; a connect that
 * gets no answer gives up rather than waiting on the kernel's SYN retries.
 */
export const CONNECTION_SETTINGS = {
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  connectionTimeoutMillis: 10_000,
} as const;

/**
 * For connections that only run short queries (the pool, the listener): the server cancels a
 * statement running past a minute, and the client stops waiting shortly after, so that a
 * half-open connection fails the query instead of hanging it.
 */
export const QUERY_TIMEOUTS = {
  statement_timeout: 60_000,
  query_timeout: 65_000,
} as const;
