import { HeartbeatWheel, WheelEntry } from './heartbeat-wheel';

const TICK_MS = 10;
const PERIOD_MS = 100;

/** An entry that records when it ran, and may ask to run again. */
function entry(again?: (self: WheelEntry) => void) {
  const runs: number[] = [];
  const self: WheelEntry = {
    wheelTick: undefined,
    beat: () => {
      runs.push(Date.now());
      again?.(self);
    },
  };
  return { self, runs };
}

describe('the heartbeat wheel', () => {
  let wheel: HeartbeatWheel;
  let start: number;

  beforeEach(() => {
    jest.useFakeTimers();
    start = Date.now();
    wheel = new HeartbeatWheel(TICK_MS, PERIOD_MS);
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('runs an entry once, at the first tick at or after its time: never early', () => {
    const { self, runs } = entry();
    wheel.schedule(self, 25);
    jest.advanceTimersByTime(24);
    expect(runs).toEqual([]);
    jest.advanceTimersByTime(PERIOD_MS * 3);
    expect(runs).toHaveLength(1);
    expect(runs[0] - start).toBeGreaterThanOrEqual(25);
    expect(runs[0] - start).toBeLessThan(25 + TICK_MS);
  });

  it('runs an entry that asks again every period, however long', () => {
    const { self, runs } = entry((again) => wheel.schedule(again, PERIOD_MS));
    wheel.schedule(self, PERIOD_MS);
    jest.advanceTimersByTime(10 * PERIOD_MS);
    expect(runs.map((time) => time - start)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i + 1) * PERIOD_MS),
    );
  });

  it('runs an entry due later than one turn of the wheel only when it is due', () => {
    const { self, runs } = entry();
    wheel.schedule(self, 3 * PERIOD_MS + 5);
    jest.advanceTimersByTime(3 * PERIOD_MS);
    expect(runs).toEqual([]);
    jest.advanceTimersByTime(PERIOD_MS);
    expect(runs).toHaveLength(1);
  });

  it('never runs a cancelled entry, and a rescheduled one only at its new time', () => {
    const cancelled = entry();
    const moved = entry();
    wheel.schedule(cancelled.self, 20);
    wheel.schedule(moved.self, 20);
    wheel.cancel(cancelled.self);
    wheel.schedule(moved.self, 70);
    jest.advanceTimersByTime(PERIOD_MS);
    expect(cancelled.runs).toEqual([]);
    expect(moved.runs.map((time) => time - start)).toEqual([70]);
  });

  it('catches up the ticks a blocked event loop delayed', () => {
    const entries = [15, 35, 55].map((delay) => {
      const made = entry();
      wheel.schedule(made.self, delay);
      return made;
    });
    // A loop blocked for 60 ms: the clock moved on, no timer ran meanwhile.
    const blockedUntil = performance.now() + 60;
    jest.spyOn(performance, 'now').mockReturnValue(blockedUntil);
    jest.advanceTimersToNextTimer();
    expect(entries.map(({ runs }) => runs.length)).toEqual([1, 1, 1]);
  });

  it('keeps beating on time when the wall clock is stepped back', () => {
    const { self, runs } = entry((again) => wheel.schedule(again, PERIOD_MS));
    wheel.schedule(self, PERIOD_MS);
    jest.setSystemTime(start - 3_600_000);
    jest.advanceTimersByTime(3 * PERIOD_MS);
    expect(runs).toHaveLength(3);
  });

  it('keeps a timer only while something is scheduled', () => {
    const { self } = entry();
    expect(jest.getTimerCount()).toBe(0);
    wheel.schedule(self, 30);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(30);
    expect(jest.getTimerCount()).toBe(0);
  });
});
