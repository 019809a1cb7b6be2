import { Writable } from 'node:stream';
import { HeartbeatWheel } from './heartbeat-wheel';
import type { LogEvent } from './notification-frame';
import {
  EndReason,
  LogPage,
  ReplaySource,
  StreamConnection,
  StreamObserver,
  StreamSettings,
} from './stream-connection';

const HIGH_WATER_MARK = 16 * 1024;

/** A socket whose client reads only when the test says so. */
class ControlledSink extends Writable {
  readonly taken: Buffer[] = [];
  private readonly pending: { chunk: Buffer; done: () => void }[] = [];

  constructor() {
    super({ highWaterMark: HIGH_WATER_MARK });
  }

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.pending.push({ chunk, done });
  }

  /** The client reads everything written so far. */
  takeAll(): void {
    while (this.pending.length > 0) {
      const { chunk, done } = this.pending.shift()!;
      this.taken.push(chunk);
      done();
    }
  }

  whenClosed(listener: () => void): void {
    this.once('close', listener);
  }

  get text(): string {
    return Buffer.concat(this.taken).toString();
  }

  get ids(): string[] {
    return [...this.text.matchAll(/^id: (\d+)$/gm)].map((match) => match[1]);
  }
}

const event = (id: number, bytes = 100): LogEvent => ({
  id: BigInt(id),
  frame: Buffer.from(`id: ${id}\ndata: ${'x'.repeat(Math.max(0, bytes - 20))}\n\n`),
});

/** The user's log as a replay reads it, a few rows a page. */
class FakeLog implements ReplaySource {
  readonly rows: LogEvent[] = [];
  reads = 0;
  /** Resolves the next read only when the test calls it, when set. */
  hold?: Promise<void>;

  constructor(private readonly pageRows = 3) {}

  append(...events: LogEvent[]): void {
    this.rows.push(...events);
  }

  async pageAfter(_userId: string, after: bigint): Promise<LogPage> {
    this.reads++;
    // One snapshot, as a statement sees it: rows appended while the read waits are not in it.
    const events = this.rows.filter((row) => row.id > after).slice(0, this.pageRows);
    const newestId = this.rows.at(-1)?.id ?? 0n;
    await this.hold;
    return { events, complete: events.length < this.pageRows, deletedUpTo: 0n, newestId };
  }
}

class Recorder implements StreamObserver {
  readonly sentIds: string[] = [];
  endedWith?: EndReason;
  sent(_stream: StreamConnection, events: readonly LogEvent[]): void {
    this.sentIds.push(...events.map((e) => e.id.toString()));
  }
  ended(_stream: StreamConnection, reason: EndReason): void {
    this.endedWith = reason;
  }
}

const settings: StreamSettings = { maxBufferBytes: 20_000, heartbeatMs: 1_000, endGraceMs: 500 };
const flush = () => new Promise((resolve) => setImmediate(resolve));
const ids = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

function open(
  options: {
    cursor?: number;
    replay?: boolean;
    liveFrom?: number;
    expiresInMs?: number;
    log?: FakeLog;
  } = {},
) {
  const sink = new ControlledSink();
  const log = options.log ?? new FakeLog();
  const observer = new Recorder();
  const stream = new StreamConnection(
    {
      id: 1,
      userId: 'alice',
      expiresAt: Date.now() + (options.expiresInMs ?? 3_600_000),
      cursor: BigInt(options.cursor ?? 0),
      replay: options.replay ?? false,
      liveFrom: BigInt(options.liveFrom ?? 0),
    },
    sink,
    settings,
    log,
    observer,
    new HeartbeatWheel(10, settings.heartbeatMs),
  );
  return { sink, log, observer, stream };
}

/** Lets the client read and the replay run until nothing moves any more. */
async function readUntilSettled(sink: ControlledSink): Promise<void> {
  for (let i = 0; i < 50; i++) {
    sink.takeAll();
    await flush();
  }
}

describe('a live stream', () => {
  it('writes each event once, in order, and never one at or below its cursor', () => {
    const { sink, stream } = open({ cursor: 5 });
    for (const id of [4, 5, 6, 6, 7]) stream.deliver(event(id));
    sink.takeAll();
    expect(sink.ids).toEqual(['6', '7']);
    expect(stream.mode).toBe('live');
    stream.end('client');
  });

  it('falls behind when an event does not fit, and catches up from the log on the same socket', async () => {
    const { sink, log, stream } = open();
    const burst = [1, 2, 3, 4, 5, 6, 7, 8].map((id) => event(id, 6_000));
    log.append(...burst);
    for (const e of burst) stream.deliver(e);
    expect(stream.mode).toBe('replaying');
    await readUntilSettled(sink);
    expect(sink.ids).toEqual(ids(1, 8));
    expect(stream.mode).toBe('live');
    stream.end('client');
  });
});

describe('a replaying stream', () => {
  it('holds live events and writes them after the replay, with no gap and no duplicate', async () => {
    const log = new FakeLog();
    log.append(...[1, 2, 3, 4, 5].map((id) => event(id)));
    let release!: () => void;
    log.hold = new Promise((resolve) => (release = resolve));
    const { sink, stream } = open({ replay: true, log });
    // Rows 5 to 7 arrive live while the first page is read; 5 is in the log already.
    log.append(event(6), event(7));
    for (const id of [5, 6, 7]) stream.deliver(event(id));
    release();
    await readUntilSettled(sink);
    expect(sink.ids).toEqual(ids(1, 7));
    expect(stream.mode).toBe('live');
    stream.end('client');
  });

  it('keeps replaying when a held burst does not fit as the replay ends, until everything is sent', async () => {
    const log = new FakeLog(2);
    log.append(event(1, 5_000));
    let release!: () => void;
    log.hold = new Promise((resolve) => (release = resolve));
    const { sink, stream } = open({ replay: true, log });
    // Held while the page is read; once row 1 is unsent, only the first of them fits.
    const held = [event(2, 9_000), event(3, 9_000)];
    log.append(...held);
    for (const e of held) stream.deliver(e);
    release();
    await readUntilSettled(sink);
    expect(log.reads).toBeGreaterThanOrEqual(2);
    expect(stream.mode).toBe('live');
    log.append(event(4));
    stream.deliver(event(4));
    sink.takeAll();
    expect(sink.ids).toEqual(ids(1, 4));
    stream.end('client');
  });

  it('re-reads from the log what it could not hold', async () => {
    const log = new FakeLog(2);
    let release!: () => void;
    log.hold = new Promise((resolve) => (release = resolve));
    const { sink, stream } = open({ replay: true, log });
    const live = Array.from({ length: 10 }, (_, i) => event(i + 1, 5_000));
    log.append(...live);
    for (const e of live) stream.deliver(e);
    release();
    await readUntilSettled(sink);
    expect(sink.ids).toEqual(ids(1, 10));
    stream.end('client');
  });

  it('resumed past the log’s end, sends `event: reset` (ahead-of-log) and then what the log gets', async () => {
    const log = new FakeLog();
    log.append(event(1), event(2));
    const { sink, stream } = open({ replay: true, cursor: 1_000_000, liveFrom: 2, log });
    await readUntilSettled(sink);
    expect(stream.mode).toBe('live');
    log.append(event(3));
    stream.deliver(event(3));
    sink.takeAll();
    expect(sink.text).toBe(
      'event: reset\ndata: {"reason":"ahead-of-log","newestId":"2"}\n\n' +
        `id: 3\ndata: ${'x'.repeat(80)}\n\n`,
    );
    stream.end('client');
  });

  it('resumed past the log’s end, still sends a row appended after it opened and before its read', async () => {
    const log = new FakeLog();
    log.append(event(1), event(2));
    let release!: () => void;
    log.hold = new Promise((resolve) => (release = resolve));
    // The hub had passed row 1 when the stream opened; row 2 came before the page was read.
    const { sink, stream } = open({ replay: true, cursor: 1_000_000, liveFrom: 1, log });
    stream.deliver(event(2));
    release();
    await readUntilSettled(sink);
    expect(sink.text).toMatch(
      /^event: reset\ndata: \{"reason":"ahead-of-log","newestId":"2"\}\n\n/,
    );
    expect(sink.ids).toEqual(['2']);
    stream.end('client');
  });

  it('writes nothing once it was ended during a page read', async () => {
    const log = new FakeLog();
    log.append(event(1), event(2));
    let release!: () => void;
    log.hold = new Promise((resolve) => (release = resolve));
    const { sink, stream, observer } = open({ replay: true, log });
    await flush();
    stream.end('closed-for-good');
    release();
    await readUntilSettled(sink);
    expect(sink.ids).toEqual([]);
    expect(observer.endedWith).toBe('closed-for-good');
  });
});

describe('an ended stream', () => {
  it('whose client does not read writes nothing more and destroys its socket after the grace', () => {
    jest.useFakeTimers();
    try {
      const { sink, stream } = open();
      stream.deliver(event(1, 10_000));
      stream.end('replaced');
      expect(() => stream.deliver(event(2))).not.toThrow();
      stream.deliver(event(3));
      expect(sink.destroyed).toBe(false);
      jest.advanceTimersByTime(settings.endGraceMs);
      expect(sink.destroyed).toBe(true);
      sink.takeAll();
      expect(sink.ids).toEqual(['1']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('ends as the client’s when a write races the socket’s close', async () => {
    const { sink, stream, observer } = open();
    sink.destroy();
    stream.deliver(event(1));
    await flush();
    expect(stream.ended).toBe(true);
    expect(observer.endedWith).toBe('client');
  });

  it('ends at once when its client goes away', async () => {
    const { sink, stream, observer } = open({ replay: true });
    sink.destroy();
    await flush();
    expect(stream.ended).toBe(true);
    expect(observer.endedWith).toBe('client');
  });
});

describe('waiting for a slow socket', () => {
  it('leaves no listener behind, however often it waits', async () => {
    const log = new FakeLog(1);
    log.append(...Array.from({ length: 60 }, (_, i) => event(i + 1, 17_000)));
    const { sink, stream } = open({ replay: true, log });
    for (let i = 0; i < 60; i++) {
      await flush();
      expect(sink.listenerCount('drain')).toBeLessThanOrEqual(1);
      sink.takeAll();
    }
    await readUntilSettled(sink);
    expect(sink.ids).toHaveLength(60);
    expect(sink.listenerCount('drain')).toBe(0);
    expect(sink.listenerCount('close')).toBe(1);
    stream.end('client');
  });
});

describe('heartbeats', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sends `: ping` to an idle stream', () => {
    const { sink, stream } = open();
    jest.advanceTimersByTime(settings.heartbeatMs);
    sink.takeAll();
    expect(sink.text).toBe(': ping\n\n');
    stream.end('client');
  });

  it('end a stream whose client took nothing for a heartbeat interval', () => {
    const { stream, observer } = open();
    stream.deliver(event(1, 19_000));
    jest.advanceTimersByTime(2 * settings.heartbeatMs);
    expect(observer.endedWith).toBe('slow-consumer');
  });

  it('end the stream when its token expires', () => {
    const { stream, observer } = open({ expiresInMs: 300 });
    jest.advanceTimersByTime(300);
    expect(stream.ended).toBe(true);
    expect(observer.endedWith).toBe('token-expired');
  });
});
