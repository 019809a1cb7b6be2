import { DrainPacing } from './drain-pacing';

describe('DrainPacing', () => {
  it('drains at once when idle', () => {
    const pacing = new DrainPacing(2, 100);
    expect(pacing.waitBefore(1_000)).toBe(0);
    pacing.started(1_000);
    pacing.finished(0);
    expect(pacing.waitBefore(1_000.5)).toBe(0);
  });

  it('spaces drains that keep finding rows by the gap, counted from the last start', () => {
    const pacing = new DrainPacing(2, 100);
    pacing.started(1_000);
    pacing.finished(7);
    expect(pacing.waitBefore(1_000.5)).toBe(1.5);
    expect(pacing.waitBefore(1_003)).toBe(0);
  });

  it('polls every gap while rows come, and backs off twofold per empty poll up to the idle poll', () => {
    const pacing = new DrainPacing(2, 50);
    expect(pacing.finished(3)).toBe(2);
    expect([0, 0, 0, 0, 0, 0].map(() => pacing.finished(0))).toEqual([4, 8, 16, 32, 50, 50]);
    expect(pacing.finished(1)).toBe(2);
  });
});
