import { Client } from 'pg';

/**
 * Kills this database's server connections whose application_name matches, as an operator's
 * `pg_terminate_backend` or a network cut would. Only the given database is touched, so tests
 * running in parallel on the same server are unaffected. Returns how many were killed.
 */
export async function terminateBackends(
  databaseUrl: string,
  applicationName: string,
): Promise<number> {
  const client = new Client({
    connectionString: databaseUrl,
    application_name: 'notifier-test-faults',
  });
  await client.connect();
  try {
    const { rows } = await client.query<{ killed: number }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS killed
       FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
      [applicationName],
    );
    return rows[0].killed;
  } finally {
    await client.end();
  }
}

/** The HTTP status of `GET /health`, or 0 when the service does not answer at all. */
export async function healthStatus(baseUrl: string): Promise<number> {
  try {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(3_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls `GET /health` until it answers `status`. */
export async function waitForHealth(
  baseUrl: string,
  status: number,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = await healthStatus(baseUrl);
  while (last !== status) {
    if (Date.now() > deadline) {
      throw new Error(`GET /health still answered ${last} after ${timeoutMs} ms, not ${status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await healthStatus(baseUrl);
  }
}
