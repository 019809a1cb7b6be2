import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { waitFor } from './wait-for';

const LOCK = resolve(__dirname, '../../dist/build.lock');

/**
 * Runs `build` while no other test file builds: the page and the client package share
 * libs/client/dist, and test files run in parallel workers. A directory is created atomically.
 */
export async function whileNoOtherBuild<T>(build: () => T): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  await waitFor(takeLock, `${LOCK} to go (remove it if no test runs)`, 120_000);
  try {
    return build();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function takeLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    return false;
  }
}
