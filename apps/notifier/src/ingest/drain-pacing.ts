/**
 * When the leader drains. One drain is one transaction: a commit and its WAL flush, one
 * NOTIFY, then one live read and one receipt write on every instance, however few rows it
 * moves. So under load, drains are spaced `gapMs` apart and each carries every row that
 * arrived meanwhile; when idle, the first wake-up drains at once.
 *
 * Polling (`OUTBOX_WAKE=poll`) is adaptive: every `gapMs` while drains find rows, then
 * twice as long after each empty one, up to `idlePollMs`.
 */
export class DrainPacing {
  private lastStartedAt = -Infinity;
  private lastMoved = false;
  private pollDelay: number;

  constructor(
    private readonly gapMs: number,
    private readonly idlePollMs: number,
  ) {
    this.pollDelay = gapMs;
  }

  /** How long a drain woken at `now` waits first, so that it follows the last by `gapMs`. */
  waitBefore(now: number): number {
    return this.lastMoved ? Math.max(0, this.lastStartedAt + this.gapMs - now) : 0;
  }

  started(now: number): void {
    this.lastStartedAt = now;
  }

  /** Records what a drain moved; returns the delay until the next poll. */
  finished(moved: number): number {
    this.lastMoved = moved > 0;
    this.pollDelay = this.lastMoved ? this.gapMs : Math.min(this.pollDelay * 2, this.idlePollMs);
    return this.pollDelay;
  }
}
