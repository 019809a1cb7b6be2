import { freePort } from './free-port';
import { lateBound } from './late-bound';
import { Producer, RunningNotifier, startNotifier } from './notifier-harness';
import { OwnPostgres } from './postgres-process';
import { ServiceInstance } from './service-process';
import { createTestDatabase } from './test-database';

export interface FixtureOptions {
  /**
   * A PostgreSQL server of the file's own, started with these `-c` flags, instead of a fresh
   * database on the run's shared server: for tests that stop it or need other settings.
   */
  ownServer?: string[];
}

export interface NotifierOptions extends FixtureOptions {
  /** The in-process instance's environment, on top of the test defaults (notifier-harness). */
  env?: Record<string, string>;
}

/** What every test file that talks to the service shares: what is real, and nothing mocked. */
export interface DatabaseFixture {
  /** A migrated database of this file's own. */
  database: { url: string };
  /** A producer writing to that database's outbox in its own transactions. */
  producer: Producer;
  /** The server of `ownServer`, which a test may stop and restart. */
  postgres: OwnPostgres;
  /** Another in-process instance on the database, closed with the fixture unless before. */
  startNotifier: (env?: Record<string, string>, port?: number) => Promise<RunningNotifier>;
  /** The service in a process of its own (on a free port unless given), killed with the fixture. */
  startService: (
    env?: Record<string, string>,
    where?: { port?: number; databaseUrl?: string },
  ) => Promise<ServiceInstance>;
}

export interface NotifierFixture extends DatabaseFixture {
  /** The service in this process, on a random port, with signed-in clients (`stream`, `http`). */
  notifier: RunningNotifier;
}

/**
 * The set-up of a test file that needs the service: in the describe where it is called, a
 * database of the file's own (cloned from the run's migrated template), the real app on a
 * random port and a producer, all made in beforeAll and closed in afterAll. Its members can be
 * named in the describe's body and used from the first hook on. After every test, whatever the
 * test opened through them is closed and nothing may be left open (leak-check.ts).
 *
 * Hooks of the describe run after the fixture's (afterAll too): what they close must not need
 * the database. Processes and instances on it are started through the fixture for that reason.
 */
export function useNotifier(options: NotifierOptions = {}): NotifierFixture {
  return setUp(options, true) as NotifierFixture;
}

/** As `useNotifier`, for files that start the service themselves (per test, or as processes). */
export function useDatabase(options: FixtureOptions = {}): DatabaseFixture {
  return setUp(options, false);
}

function setUp(
  { ownServer, ...options }: NotifierOptions,
  withNotifier: boolean,
): DatabaseFixture | NotifierFixture {
  const database = lateBound<{ url: string; drop(): Promise<void> }>('the database');
  const producer = lateBound<Producer>('the producer');
  const postgres = lateBound<OwnPostgres>('the server of ownServer');
  const notifier = lateBound<RunningNotifier>('the in-process notifier');
  const instances = new Set<RunningNotifier>();
  const services: ServiceInstance[] = [];

  const startInstance = async (env: Record<string, string> = {}, port?: number) => {
    const started = await startNotifier(database.ref.url, env, port);
    const instance: RunningNotifier = {
      ...started,
      close: async () => {
        instances.delete(instance);
        await started.close();
      },
    };
    instances.add(instance);
    return instance;
  };

  beforeAll(async () => {
    if (ownServer) {
      const server = await OwnPostgres.start(ownServer);
      postgres.bind(server);
      database.bind({ url: server.url, drop: () => server.remove() });
    } else {
      database.bind(await createTestDatabase());
    }
    producer.bind(new Producer(database.ref.url));
    if (withNotifier) notifier.bind(await startInstance(options.env));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(services.map((service) => service.process.stop('SIGKILL')));
    await Promise.all([...instances].map((instance) => instance.close()));
    await producer.value?.close();
    await database.value?.drop();
  }, 60_000);

  const fixture: DatabaseFixture = {
    database: database.ref,
    producer: producer.ref,
    postgres: postgres.ref,
    startNotifier: startInstance,
    startService: async (env = {}, { port, databaseUrl } = {}) => {
      const service = await ServiceInstance.start(
        databaseUrl ?? database.ref.url,
        port ?? (await freePort()),
        env,
      );
      services.push(service);
      return service;
    },
  };
  return withNotifier ? { ...fixture, notifier: notifier.ref } : fixture;
}
