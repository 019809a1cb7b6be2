import { expectNothingLeftOpen } from './leak-check';

/**
 * After every test of every tier: nothing it opened is still open (leak-check.ts), and no
 * emitter passed ten listeners of one event (Node's MaxListenersExceededWarning): a listener
 * added per use and never removed. Process listeners are not counted per test: Jest loads the
 * modules afresh for each file in a reused worker, and libraries add their `exit` handler once
 * per load, so the first instance a file starts inside a test would count as a leak.
 */
const warnings: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
};
process.on('warning', onWarning);

afterEach(async () => {
  await expectNothingLeftOpen();
  expect(warnings.splice(0)).toEqual([]);
});

afterAll(() => {
  process.off('warning', onWarning);
});
