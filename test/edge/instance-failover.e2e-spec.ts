import type { ClientHttp2Session } from 'node:http2';
import { connectHttp2, ResumingHttp2Client } from '../support/http2-sse';
import { closeAfterTest } from '../support/leak-check';
import { NginxEdge } from '../support/nginx-edge';
import type { Producer } from '../support/notifier-harness';
import { useDatabase } from '../support/notifier-fixture';
import type { ServiceInstance } from '../support/service-process';
import { TEST_ADMIN_TOKEN, tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { waitFor } from '../support/wait-for';

const USERS = 8;
const BEFORE_KILL = 2;
const WHILE_DOWN = 3;

/** How many streams of the user this very instance holds (each instance knows only its own). */
async function streamsOn(instance: ServiceInstance, userId: string): Promise<number> {
  const response = await fetch(`${instance.baseUrl}/admin/users/${userId}/connections`, {
    headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
  });
  return ((await response.json()) as unknown[]).length;
}

async function notifyEach(producer: Producer, users: string[], count: number, phase: string) {
  for (let n = 1; n <= count; n++) {
    await Promise.all(users.map((user) => producer.notify(user, { phase, n })));
  }
}

describe('nginx edge: an instance killed under its clients', () => {
  const { producer, startService } = useDatabase();
  let instances: ServiceInstance[];
  let edge: NginxEdge;
  let session: ClientHttp2Session;
  let clients: ResumingHttp2Client[] = [];
  let releaseReconnects: () => void = () => undefined;
  const reconnectsReleased = new Promise<void>((resolve) => (releaseReconnects = resolve));

  beforeAll(async () => {
    const env = { SSE_HEARTBEAT_MS: '500' };
    instances = await Promise.all([startService(env), startService(env)]);
    edge = await NginxEdge.start(
      instances.map((instance) => Number(new URL(instance.baseUrl).port)),
    );
    session = await connectHttp2(edge.originOn());
  }, 90_000); // two ts-node starts at once take up to a minute on a busy 2-core machine

  afterAll(async () => {
    session?.close();
    await edge?.stop();
  });

  it('moves its clients through nginx to the other instance, resuming without loss or repeat', async () => {
    const users = Array.from({ length: USERS }, () => uniqueUser('failover'));
    clients = users.map(
      (user) =>
        new ResumingHttp2Client(session, `Bearer ${tokenFor(user)}`, {
          // Like a browser waiting out `retry:`; here until what it missed is in the log.
          beforeReconnect: () => reconnectsReleased,
        }),
    );
    // Released first: a client held back before reconnecting could not stop.
    closeAfterTest(async () => {
      releaseReconnects();
      await Promise.all(clients.map((client) => client.stop()));
    });
    await waitFor(() => clients.every((client) => client.connected), 'every client to connect');

    const [doomed, survivor] = instances;
    const onDoomed = await Promise.all(users.map((user) => streamsOn(doomed, user)));
    const victims = clients.filter((_client, index) => onDoomed[index] === 1);
    const bystanders = clients.filter((_client, index) => onDoomed[index] === 0);
    // nginx spread the streams over both instances.
    expect(victims.length).toBeGreaterThan(0);
    expect(bystanders.length).toBeGreaterThan(0);

    await notifyEach(producer, users, BEFORE_KILL, 'before');
    await waitFor(() => clients.every((client) => client.ids.length === BEFORE_KILL), 'phase 1');

    await doomed.process.stop('SIGKILL');
    // nginx 1.22 sends the reset of a cut stream with the connection's next write while other
    // streams are open on it: the survivor's next heartbeat (docs/operators.md, "Run behind nginx").
    await waitFor(() => victims.every((client) => !client.connected), 'victims to be cut off');
    // Written while the victims are away: only resuming from Last-Event-ID brings them these.
    // If the killed instance led ingestion, the survivor takes the lead first.
    await notifyEach(producer, users, WHILE_DOWN, 'while-down');
    const total = BEFORE_KILL + WHILE_DOWN;
    await Promise.all(users.map((user) => producer.waitForLogIds(user, total, 20_000)));
    releaseReconnects();

    await waitFor(() => clients.every((client) => client.ids.length >= total), 'every id', 20_000);
    for (const [index, user] of users.entries()) {
      expect({ user, ids: clients[index].ids }).toEqual({ user, ids: await producer.logIds(user) });
    }
    expect(victims.map((client) => client.connections >= 2)).toEqual(victims.map(() => true));
    expect(bystanders.map((client) => client.connections)).toEqual(bystanders.map(() => 1));
    const onSurvivor = await Promise.all(users.map((user) => streamsOn(survivor, user)));
    expect(onSurvivor).toEqual(users.map(() => 1));
  });
});
