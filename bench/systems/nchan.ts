import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stopChild, waitForHttp } from './processes';
import type { SystemUnderTest } from './system';

const NGINX = '/usr/sbin/nginx';
const MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const TEMPLATE = resolve(__dirname, '../nchan/nginx.conf');

/**
 * Makes sure nginx and the Nchan module are installed, installing the Debian packages when
 * running as root. Returns why Nchan cannot run, or undefined when it can.
 */
export function ensureNchanInstalled(log: (line: string) => void): string | undefined {
  if (existsSync(NGINX) && existsSync(MODULE)) return undefined;
  if (process.getuid?.() !== 0) return 'nginx + libnginx-mod-nchan are missing and we are not root';
  try {
    log('installing nginx and libnginx-mod-nchan with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update'], { stdio: 'ignore', env, timeout: 120_000 });
    execFileSync('apt-get', ['install', '-y', 'nginx', 'libnginx-mod-nchan'], {
      stdio: 'ignore',
      env,
      timeout: 300_000,
    });
  } catch (error) {
    return `apt-get could not install nginx + libnginx-mod-nchan: ${(error as Error).message}`;
  }
  return existsSync(NGINX) && existsSync(MODULE)
    ? undefined
    : 'packages installed but files missing';
}

/** nginx + Nchan on loopback, with bench/nchan/nginx.conf. */
export class NchanSystem implements SystemUnderTest {
  private child?: ChildProcess;

  constructor(
    readonly port: number,
    private readonly workDir: string,
  ) {}

  async start(): Promise<void> {
    await mkdir(resolve(this.workDir, 'body'), { recursive: true });
    const config = (await readFile(TEMPLATE, 'utf8'))
      .replaceAll('{{USER}}', process.getuid?.() === 0 ? 'user nobody nogroup;' : '')
      .replaceAll('{{DIR}}', this.workDir)
      .replaceAll('{{MODULE}}', MODULE)
      .replaceAll('{{PORT}}', String(this.port));
    const file = resolve(this.workDir, 'nginx.conf');
    await writeFile(file, config);
    const args = ['-p', this.workDir, '-c', file, '-e', resolve(this.workDir, 'error.log')];
    this.child = spawn(NGINX, args, { stdio: ['ignore', 'inherit', 'inherit'] });
    await waitForHttp(this.port, '/health');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  stream(user: string): { path: string; headerLines: string } {
    return { path: `/sub/${user}`, headerLines: '' };
  }

  producer() {
    return { kind: 'http' as const, port: this.port, pathPrefix: '/pub/' };
  }

  pid(): number {
    return this.child!.pid!;
  }

  /** Nchan answers a publish once the message is in the channel's buffer. */
  settled(): Promise<void> {
    return Promise.resolve();
  }

  describe(): string {
    const version = (pkg: string) =>
      execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
    return `nginx ${version('nginx-common')}, libnginx-mod-nchan ${version('libnginx-mod-nchan')}`;
  }
}
