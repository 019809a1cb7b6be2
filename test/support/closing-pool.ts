import { Pool } from 'pg';

const ADMIN_SHUTDOWN = '57P01';

/**
 * A pg Pool for test producers. `end()` resolves once its clients leave the pool, before their
 * sockets close, so dropping the test database right after terminates them (57P01); so does a
 * database restart under test. Those terminations are expected; any other error still throws.
 */
export function testPool(connectionString: string, max: number): Pool {
  const pool = new Pool({ connectionString, max });
  pool.on('error', (error: Error & { code?: string }) => {
    if (error.code !== ADMIN_SHUTDOWN) throw error;
  });
  return pool;
}
