import { expectNothingLeftOpen, processListenersAtRest, watchForLeaks } from './leak-check';

/**
 * After every test of every tier: nothing it opened is still open (leak-check.ts), the process
 * holds no more listeners than before it, and no emitter passed ten listeners of one event
 * (Node's MaxListenersExceededWarning): a listener added per use and never removed.
 */
const warnings: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning.message);
};
process.on('warning', onWarning);
let unwatchProcess = () => undefined as void;

beforeEach(() => {
  unwatchProcess = watchForLeaks(processListenersAtRest());
});

afterEach(async () => {
  try {
    await expectNothingLeftOpen();
  } finally {
    unwatchProcess();
  }
  expect(warnings.splice(0)).toEqual([]);
});

afterAll(() => {
  process.off('warning', onWarning);
});
