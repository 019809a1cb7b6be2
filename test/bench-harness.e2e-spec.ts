import { LoadGenerator } from '../bench/load/load-generator';
import type { Phase, ProducerTarget, StreamSpec } from '../bench/load/protocol';
import { waitForHttp } from '../bench/systems/processes';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, tokenFor } from './support/tokens';

/**
 * The bench's zero-loss checks in miniature, against the real service: every stream gets
 * every notification of its user exactly once, live and after a reconnect storm with
 * Last-Event-ID. Timings are printed by `npm run bench`, never asserted here.
 */
const USERS = 5;
const STREAMS = 15;

function expectNothingLostRepeatedOrMisrouted(outcome: {
  lost: number;
  duplicates: number;
  misrouted: number;
}): void {
  const { lost, duplicates, misrouted } = outcome;
  expect({ lost, duplicates, misrouted }).toEqual({ lost: 0, duplicates: 0, misrouted: 0 });
}

describe('bench harness against the service', () => {
  const { database } = useDatabase();
  let service: NotifierProcess;
  let load: LoadGenerator;
  let port: number;
  let target: ProducerTarget;

  beforeAll(async () => {
    port = await freePort();
    service = NotifierProcess.start({
      NODE_ENV: 'production',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      DATABASE_URL: database.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
    });
    await waitForHttp(port, '/health');
    target = { kind: 'sql', url: database.url, insert: 'notifier' };
    load = new LoadGenerator(1, 1);
    const opened = await load.open(port, specs());
    expect(opened).toMatchObject({ opened: STREAMS, failed: 0 });
  }, 90_000); // a ts-node start of the service takes up to 30 s on a busy machine

  afterAll(async () => {
    await load?.close();
    await service?.stop();
  });

  const produce = (phase: Phase) =>
    load.produce({
      target,
      phase,
      rate: 1_000,
      userPrefix: 'bench-spec-u',
      producers: 1,
      connections: 2,
      maxBatch: 20,
    });

  it('delivers every live notification once to every stream of its user', async () => {
    const phase = { phase: 1, users: USERS, total: 300 };
    await load.startPhase(phase);
    expect(await produce(phase)).toMatchObject({ sent: 300, errors: 0 });
    const outcome = await load.awaitPhase(10_000);
    expectNothingLostRepeatedOrMisrouted(outcome);
    expect(outcome.delivered).toBe((300 / USERS) * STREAMS);
  });

  it('replays everything missed, once, when all streams reconnect at once', async () => {
    await load.disconnect();
    const phase = { phase: 2, users: USERS, total: 100 };
    await load.startPhase(phase);
    await produce(phase);
    expect(await load.reconnectAll()).toMatchObject({ failed: 0 });
    const outcome = await load.awaitPhase(10_000);
    expectNothingLostRepeatedOrMisrouted(outcome);
  });
});

function specs(): StreamSpec[] {
  return Array.from({ length: STREAMS }, (_, i) => ({
    user: i % USERS,
    path: '/users/me/events',
    headerLines: `Authorization: Bearer ${tokenFor(`bench-spec-u${i % USERS}`)}\r\n`,
  }));
}
