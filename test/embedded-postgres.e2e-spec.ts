import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './support/free-port';
import { PostgresProcess } from './support/postgres-process';

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
