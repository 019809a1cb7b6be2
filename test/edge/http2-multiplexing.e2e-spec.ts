import type { ClientHttp2Session } from 'node:http2';
import { connectHttp2, Http2EventStream } from '../support/http2-sse';
import { closeAfterTest } from '../support/leak-check';
import { NginxEdge } from '../support/nginx-edge';
import type { RunningNotifier } from '../support/notifier-harness';
import { useNotifier } from '../support/notifier-fixture';
import { uniqueUser } from '../support/users';

const STREAMS = 24;
const NOTIFICATIONS_PER_USER = 3;

const portOf = (notifier: RunningNotifier) => Number(new URL(notifier.baseUrl).port);
const openConnectionsOf = async (notifier: RunningNotifier) =>
  (await notifier.http<{ connections: { total: number } }>('GET', '/admin/stats', { as: 'admin' }))
    .body.connections.total;

describe('nginx edge: many streams over one HTTP/2 connection', () => {
  const { notifier, producer, startNotifier } = useNotifier();
  let instances: RunningNotifier[];
  let edge: NginxEdge;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    instances = [notifier, await startNotifier()];
    edge = await NginxEdge.start(instances.map(portOf));
    session = await connectHttp2(edge.originOn());
  });

  afterAll(async () => {
    session?.close();
    await edge?.stop();
  });

  it(`delivers to ${STREAMS} users whose streams share the connection`, async () => {
    expect(session.alpnProtocol).toBe('h2');
    const users = Array.from({ length: STREAMS }, () => uniqueUser('h2'));
    const streams: Http2EventStream[] = [];
    closeAfterTest(() => streams.forEach((stream) => stream.close()));
    for (const user of users) {
      const authorization = `Bearer ${instances[0].tokenFor(user)}`;
      streams.push(await Http2EventStream.open(session, { authorization }));
    }
    expect(streams.map((stream) => stream.status)).toEqual(users.map(() => 200));
    // Both instances behind nginx hold a share of them.
    const perInstance = await Promise.all(instances.map(openConnectionsOf));
    expect(perInstance.reduce((sum, count) => sum + count, 0)).toBe(STREAMS);
    expect(Math.min(...perInstance)).toBeGreaterThan(0);

    for (let round = 1; round <= NOTIFICATIONS_PER_USER; round++) {
      await Promise.all(users.map((user) => producer.notify(user, { round })));
    }
    await Promise.all(streams.map((stream) => stream.waitForIds(NOTIFICATIONS_PER_USER)));

    for (const [index, user] of users.entries()) {
      expect({ user, ids: streams[index].ids }).toEqual({ user, ids: await producer.logIds(user) });
    }
    // All of them were open at once, on this one connection.
    expect(streams.filter((stream) => stream.ended)).toEqual([]);
    expect(session.closed).toBe(false);
  });
});
