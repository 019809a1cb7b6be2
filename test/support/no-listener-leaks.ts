/**
 * Every test file fails if anything it ran added listeners without removing them: Node warns
 * once an emitter passes ten listeners of one event, and that warning is a leak here.
 */
const leaks: string[] = [];
const onWarning = (warning: Error) => {
  if (warning.name === 'MaxListenersExceededWarning') leaks.push(warning.message);
};
process.on('warning', onWarning);

afterAll(() => {
  process.off('warning', onWarning);
  expect(leaks).toEqual([]);
});
