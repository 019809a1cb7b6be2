import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { createTestDatabase, recordedMigrations, TestDatabase } from './support/test-database';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from './support/tokens';

/** Every test starts processes through ts-node: slow on a busy 2-core machine. */
jest.setTimeout(120_000);

/** `main.js migrate` as a Kubernetes Job runs it: the database's URL and nothing else. */
function migrate(databaseUrl: string): NotifierProcess {
  return NotifierProcess.start({ DATABASE_URL: databaseUrl, NODE_ENV: 'production' }, undefined, [
    'migrate',
  ]);
}

const appliedBy = (process: NotifierProcess) =>
  [...process.stdout.matchAll(/Applied migration (\w+)/g)].map(([, name]) => name);

describe('migrating the database', () => {
  /** Migrated by the run's global set-up: what every migration, applied once, records. */
  const { database } = useDatabase();
  const databases: TestDatabase[] = [];
  const processes: NotifierProcess[] = [];

  const emptyDatabase = async () => {
    const empty = await createTestDatabase({ empty: true });
    databases.push(empty);
    return empty;
  };
  const started = (process: NotifierProcess) => {
    processes.push(process);
    return process;
  };

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((process) => process.stop('SIGKILL')));
  });
  afterAll(async () => {
    await Promise.all(databases.map((each) => each.drop()));
  });

  it('`migrate` applies every migration to an empty database and exits 0, in production with no secrets', async () => {
    const empty = await emptyDatabase();
    const job = started(migrate(empty.url));

    expect(await job.exit()).toBe(0);
    const expected = await recordedMigrations(database.url);
    expect(await recordedMigrations(empty.url)).toEqual(expected);
    expect(appliedBy(job).sort()).toEqual(expected);
    expect(job.stdout).not.toContain('listening');
  });

  it('two `migrate` at once on an empty database both succeed, and each migration runs once', async () => {
    const empty = await emptyDatabase();
    const jobs = [started(migrate(empty.url)), started(migrate(empty.url))];

    expect(await Promise.all(jobs.map((job) => job.exit()))).toEqual([0, 0]);
    const expected = await recordedMigrations(database.url);
    expect(await recordedMigrations(empty.url)).toEqual(expected);
    expect(jobs.flatMap(appliedBy).sort()).toEqual(expected);
  });

  const service = (databaseUrl: string, env: Record<string, string>) =>
    NotifierProcess.start({
      DATABASE_URL: databaseUrl,
      PORT: '0',
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      ...env,
    });

  it('with MIGRATE_ON_START=false, the service refuses a database that lacks migrations, naming `migrate`', async () => {
    const empty = await emptyDatabase();
    const instance = started(service(empty.url, { MIGRATE_ON_START: 'false' }));

    expect(await instance.exit()).toBe(1);
    expect(instance.stderr).toMatch(/lacks \d+ migrations \(CreateNotifierSchema\d+, /);
    expect(instance.stderr).toContain('run `migrate` first');
    expect(await recordedMigrations(empty.url)).toBeUndefined();
  });

  it('with MIGRATE_ON_START=false, the service starts on a migrated database', async () => {
    const instance = started(
      service(database.url, { MIGRATE_ON_START: 'false', PORT: String(await freePort()) }),
    );

    await instance.waitForOutput(/Notifier is listening on/);
    expect(await instance.stop('SIGTERM')).toBe(0);
  });
});
