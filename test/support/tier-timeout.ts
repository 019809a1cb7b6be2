/**
 * The tier's timeout for tests and hooks, from its project's `globals.tierTimeoutMs` in
 * jest.config.js: Jest 30 reads `testTimeout` from the root configuration only.
 */
const { tierTimeoutMs } = globalThis as { tierTimeoutMs?: number };
if (tierTimeoutMs !== undefined) jest.setTimeout(tierTimeoutMs);
