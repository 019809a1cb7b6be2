/**
 * What the wheel schedules. `wheelTick` belongs to the wheel: the tick it is due at, kept on
 * the entry itself so that a scheduled stream costs one set entry, not a Timeout of its own.
 */
export interface WheelEntry {
  beat(): void;
  wheelTick: number | undefined;
}

/**
 * One timer for the heartbeats of every open stream of the hub, instead of one Timeout each
 * (a Timeout, its callback and, with a random delay, often a timer list of its own: about
 * 200 bytes per idle stream). Time is cut in ticks; an entry waits in the bucket of the tick
 * it is due at, and each tick runs that bucket's due entries. An entry runs at the first tick
 * at or after the time it asked for: never early, late by less than a tick (plus the event
 * loop's own delay). The timer runs only while something is scheduled.
 */
export class HeartbeatWheel {
  private readonly buckets: Set<WheelEntry>[];
  /**
   * Ticks count from here, so that they stay small integers. The clock is monotonic: a wall
   * clock stepped back (NTP, a resumed VM) would hold every beat, and with it token expiry
   * and slow-consumer checks, until it caught up.
   */
  private readonly origin = performance.now();
  /** Every tick up to this one has run. */
  private lastRun: number;
  private scheduled = 0;
  private timer?: NodeJS.Timeout;

  /** `periodMs`: the usual delay, so that most entries wait out one turn of the wheel. */
  constructor(
    private readonly tickMs: number,
    periodMs: number,
  ) {
    const slots = Math.max(1, Math.ceil(periodMs / tickMs)) + 1;
    this.buckets = Array.from({ length: slots }, () => new Set());
    this.lastRun = this.tickAt(performance.now());
  }

  /** Runs `entry.beat()` once, `delayMs` from now; replaces what it had scheduled. */
  schedule(entry: WheelEntry, delayMs: number): void {
    this.cancel(entry);
    const due = Math.max(
      this.lastRun + 1,
      Math.ceil((performance.now() + delayMs - this.origin) / this.tickMs),
    );
    entry.wheelTick = due;
    this.bucketOf(due).add(entry);
    if (this.scheduled++ === 0) this.start();
  }

  cancel(entry: WheelEntry): void {
    if (entry.wheelTick === undefined) return;
    this.bucketOf(entry.wheelTick).delete(entry);
    entry.wheelTick = undefined;
    if (--this.scheduled === 0) this.stop();
  }

  private start(): void {
    this.lastRun = Math.max(this.lastRun, this.tickAt(performance.now()) - 1);
    this.timer = setInterval(() => this.runDue(), this.tickMs);
  }

  private stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Runs every tick up to now, catching up on ticks the event loop delayed. */
  private runDue(): void {
    const now = this.tickAt(performance.now());
    while (this.lastRun < now) {
      const tick = ++this.lastRun;
      // An entry scheduled a whole turn ahead lands in this very bucket: its tick differs.
      for (const entry of this.bucketOf(tick)) {
        if (entry.wheelTick !== tick) continue;
        this.cancel(entry);
        entry.beat();
      }
    }
  }

  private tickAt(time: number): number {
    return Math.floor((time - this.origin) / this.tickMs);
  }

  private bucketOf(tick: number): Set<WheelEntry> {
    return this.buckets[tick % this.buckets.length];
  }
}
