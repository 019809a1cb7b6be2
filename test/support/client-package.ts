import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { whileNoOtherBuild } from './build-lock';

const ROOT = resolve(__dirname, '../..');

/** What `npm pack --json` says of the tarball it made. */
interface PackReport {
  filename: string;
  files: { path: string }[];
}

/** The packed client, installed in a project of its own: as an app that installs it has it. */
export interface InstalledClient {
  /** The project: its node_modules holds what `npm install` put there. */
  folder: string;
  /** The paths inside the tarball. */
  files: string[];
  remove(): void;
}

/**
 * `npm pack ./libs/client` from the repository root (its prepack builds it), then `npm install`
 * of the tarball in an empty folder outside the repository, offline: nothing may come from the
 * monorepo by path, nor from the network.
 */
export async function installPackedClient(): Promise<InstalledClient> {
  const folder = mkdtempSync(join(tmpdir(), 'notifier-client-'));
  try {
    const [report] = JSON.parse(
      await whileNoOtherBuild(() =>
        execFileSync('npm', ['pack', './libs/client', '--json', '--pack-destination', folder], {
          cwd: ROOT,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        }),
      ),
    ) as PackReport[];
    writeFileSync(
      join(folder, 'package.json'),
      JSON.stringify({ name: 'an-app', private: true, type: 'module' }),
    );
    execFileSync(
      'npm',
      ['install', '--offline', '--no-audit', '--no-fund', `./${report.filename}`],
      { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    return {
      folder,
      files: report.files.map((file) => file.path),
      remove: () => rmSync(folder, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw error;
  }
}
