import { expectNothingLeftOpen } from './leak-check';
import { WARNINGS_GLOBAL } from './warnings-environment';

/**
 * After every test of every tier: nothing it opened is still open (leak-check.ts), and the
 * process emitted no warning that means a defect (warnings-environment.ts).
 */
afterEach(async () => {
  await expectNothingLeftOpen();
  const warnings = (globalThis as unknown as Record<string, string[]>)[WARNINGS_GLOBAL];
  expect(warnings.splice(0)).toEqual([]);
});
