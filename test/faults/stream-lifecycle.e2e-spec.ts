import { StreamHub } from '../../apps/notifier/src/stream/stream-hub';
import { checkDelivery, exactly } from '../support/delivery';
import type { Producer, RunningNotifier } from '../support/notifier-harness';
import { useDatabase, useNotifier } from '../support/notifier-fixture';
import type { SseRecording } from '../support/sse-client';
import { signToken } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep, waitFor, waitForAsync } from '../support/wait-for';

jest.setTimeout(120_000);

const STUCK_ROWS = 400;

const openSockets = (notifier: RunningNotifier) =>
  new Promise<number>((resolve, reject) =>
    notifier.app
      .getHttpServer()
      .getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );

/** Waits until the service holds at most `count` sockets (a paused client never sees its end). */
async function waitForSockets(notifier: RunningNotifier, count: number, what: string) {
  await waitForAsync(async () => (await openSockets(notifier)) <= count, what, 15_000);
}

/**
 * Reads a user's stream slowly from `after` while a producer keeps adding live notifications,
 * and returns every id it received once they have all arrived.
 */
async function readSlowlyWhileLiveRowsArrive(
  notifier: RunningNotifier,
  producer: Producer,
  { backlog, live, liveBatch, payloadBytes, bytesPerSecond }: Record<string, number>,
): Promise<{ received: string[]; expected: string[]; stream: SseRecording }> {
  const user = uniqueUser('slow');
  await producer.notifyMany(user, backlog, payloadBytes);
  await producer.waitForLogIds(user, backlog, 30_000);
  const stream = await notifier.stream(user, { headers: { 'Last-Event-ID': '0' } });
  stream.readSlowly(bytesPerSecond);
  for (let sent = 0; sent < live; sent += liveBatch) {
    await producer.notifyMany(user, liveBatch, payloadBytes);
    await sleep(20);
  }
  const expected = await producer.waitForLogIds(user, backlog + live, 30_000);
  await stream.waitForMessages(backlog + live, 60_000).catch(() => undefined);
  return { received: stream.messageIds, expected, stream };
}

describe('a slow reader that resumes while live notifications keep arriving', () => {
  const { producer, startNotifier } = useDatabase();

  it.each([
    {
      limit: '65536',
      backlog: 0,
      live: 6000,
      liveBatch: 50,
      payloadBytes: 4_000,
      bytesPerSecond: 3_000_000,
    },
    {
      limit: 'default',
      backlog: 300,
      live: 40,
      liveBatch: 1,
      payloadBytes: 60_000,
      bytesPerSecond: 12_000_000,
    },
  ])(
    'receives every notification exactly once, in order, on one connection (SSE_MAX_BUFFER_BYTES $limit)',
    async ({ limit, ...load }) => {
      const notifier = await startNotifier(
        limit === 'default' ? {} : { SSE_MAX_BUFFER_BYTES: limit },
      );
      try {
        const { received, expected, stream } = await readSlowlyWhileLiveRowsArrive(
          notifier,
          producer,
          load,
        );
        expect(checkDelivery(received, expected)).toEqual(exactly(load.backlog + load.live));
        expect(stream.ended).toBe(false);
        stream.close();
      } finally {
        await notifier.close();
      }
    },
  );
});

describe('a stream ended while its client does not read', () => {
  const { notifier, producer } = useNotifier({ env: { SSE_MAX_BUFFER_BYTES: '65536' } });

  /** More than the kernel's socket buffers and the limit hold, so that nothing can be flushed. */
  async function fillSocketsOf(user: string) {
    await producer.notifyMany(user, STUCK_ROWS, 60_000);
    await producer.waitForLogIds(user, STUCK_ROWS, 30_000);
    await sleep(1_000);
  }

  it('closed by an admin, then notified twice: the service stays up and the socket is gone', async () => {
    const user = uniqueUser('paused');
    const socketsBefore = await openSockets(notifier);
    const stream = await notifier.stream(user);
    stream.pause();
    await fillSocketsOf(user);

    const closed = await notifier.http('DELETE', `/admin/users/${user}/stream`, { as: 'admin' });
    expect(closed.status).toBe(204);
    await producer.notify(user, { after: 'close', n: 1 });
    await producer.notify(user, { after: 'close', n: 2 });
    await producer.waitForLogIds(user, STUCK_ROWS + 2);

    const hub = notifier.app.get(StreamHub);
    expect(hub.connectionsOf(user)).toHaveLength(0);
    await waitForSockets(notifier, socketsBefore, 'the paused client’s socket to be closed');
    expect((await notifier.http('GET', '/health')).status).toBe(200);
  });

  it('40 paused streams of one user leave at most SSE_MAX_CONNECTIONS_PER_USER sockets', async () => {
    const user = uniqueUser('tabs');
    const socketsBefore = await openSockets(notifier);
    const cap = notifier.config.sse.maxConnectionsPerUser;
    const streams: SseRecording[] = [];
    const openPaused = async () => {
      const stream = await notifier.stream(user);
      stream.pause();
      streams.push(stream);
    };
    for (let i = 0; i < cap; i++) await openPaused();
    await fillSocketsOf(user);
    // Each of these replaces the oldest, whose end cannot be flushed to its client.
    for (let i = cap; i < 40; i++) await openPaused();

    expect(notifier.app.get(StreamHub).connectionsOf(user)).toHaveLength(cap);
    await waitForSockets(notifier, socketsBefore + cap, 'replaced sockets to close');
    for (const stream of streams) stream.close();
  });
});

describe('a stream whose token expires', () => {
  const { notifier, producer } = useNotifier();
  const sign = signToken;

  it('ends when the token expires, and a fresh token resumes with nothing lost', async () => {
    const user = uniqueUser('expiring');
    const path = '/users/me/events';
    const first = await notifier.open(path, {
      Authorization: `Bearer ${sign({ sub: user }, { expiresIn: 2 })}`,
    });
    expect(first.status).toBe(200);
    await producer.notify(user, { n: 1 });
    await first.waitForMessages(1);
    await waitFor(() => first.ended, 'the stream to end at the token’s expiry', 10_000);
    expect(notifier.app.get(StreamHub).connectionsOf(user)).toHaveLength(0);

    await producer.notify(user, { n: 2 });
    const expected = await producer.waitForLogIds(user, 2);
    const second = await notifier.open(path, {
      Authorization: `Bearer ${sign({ sub: user }, { expiresIn: 60 })}`,
      'Last-Event-ID': first.messageIds[0],
    });
    await second.waitForMessages(1);
    expect(checkDelivery([...first.messageIds, ...second.messageIds], expected)).toEqual(
      exactly(2),
    );
    second.close();
  });

  it('is refused when the token has no exp', async () => {
    const stream = await notifier.open('/users/me/events', {
      Authorization: `Bearer ${sign({ sub: uniqueUser() }, {})}`,
    });
    expect(stream.status).toBe(401);
    expect(await stream.json()).toMatchObject({ message: expect.stringMatching(/exp/) });
  });
});
