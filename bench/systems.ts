import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { JwtService } from '@nestjs/jwt';
import type { ProducerTarget } from './load/producer-worker';
import { query } from './postgres';
import { stopChild, waitForHttp } from './processes';

/** One system under test, as every scenario sees it: a process of its own, started fresh. */
export abstract class SystemUnderTest {
  protected child?: ChildProcess;
  /** Its Postgres, when it has one: the meter reads that server's processes and statements. */
  readonly postgresUrl?: string;

  constructor(readonly port: number) {}

  async start(): Promise<void> {
    this.child = await this.spawn();
    await waitForHttp(this.port, '/health');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  /** Its root process: memory and CPU are read from it and its descendants. */
  pid(): number {
    return this.child!.pid!;
  }

  protected abstract spawn(): ChildProcess | Promise<ChildProcess>;
  /** Request path and header lines of a user's stream. */
  abstract stream(user: string): { path: string; headerLines: string };
  abstract producer(): ProducerTarget;
  /**
   * Resolves once everything produced so far can be replayed by a reconnecting client: at once
   * for Nchan, which answers a publish once the message is in the channel's buffer.
   */
  settled(): Promise<void> {
    return Promise.resolve();
  }
}

const ROOT = resolve(__dirname, '..');
/** What production runs: the build of `npm run build`. */
const BUILT = [resolve(ROOT, 'dist/apps/notifier/src/main.js')];

/** The service in a process of its own, on `postgresUrl`, with a JWT secret made up for the run. */
export class NotifierSystem extends SystemUnderTest {
  private output = '';
  private readonly secret = randomBytes(32).toString('hex');
  private readonly jwt = new JwtService({ secret: this.secret });

  constructor(
    port: number,
    override readonly postgresUrl: string,
    /** More environment (OUTBOX_WAKE, NOTIFIER_WORKERS…); the Node arguments that start it. */
    private readonly options: { env?: Record<string, string>; command?: string[] } = {},
  ) {
    super(port);
  }

  protected spawn(): ChildProcess {
    const child = spawn(process.execPath, this.options.command ?? BUILT, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'),
        NODE_ENV: 'production',
        JWT_SECRET: this.secret,
        ADMIN_TOKEN: randomBytes(16).toString('hex'),
        DATABASE_URL: this.postgresUrl,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...this.options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-65_536);
        process.stderr.write(chunk);
      });
    }
    return child;
  }

  stream(user: string): { path: string; headerLines: string } {
    const token = this.jwt.sign({ sub: user }, { expiresIn: '2h' });
    return { path: '/users/me/events', headerLines: `Authorization: Bearer ${token}\r\n` };
  }

  producer() {
    return { kind: 'sql' as const, url: this.postgresUrl, table: 'notification_outbox' };
  }

  /** The outbox is empty: the ingester has moved every row into the log. */
  override async settled(): Promise<void> {
    for (let attempt = 0; attempt < 1200; attempt++) {
      const [row] = await query(this.postgresUrl, 'SELECT count(*) AS n FROM notification_outbox');
      if (Number(row.n) === 0) return;
      await sleep(100);
    }
    throw new Error('the outbox did not drain within 120 s');
  }

  /** The OUTBOX_WAKE it ran in: the one set, or the fallback its start-up warning names. */
  get outboxWake(): string {
    const fallback = /Falling back to OUTBOX_WAKE=(\w+)/.exec(this.output)?.[1];
    return fallback ?? this.options.env?.OUTBOX_WAKE ?? 'wal';
  }
}

const NGINX = '/usr/sbin/nginx';
const MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const TEMPLATE = resolve(__dirname, 'nchan/nginx.conf');

/**
 * nginx's and Nchan's versions, installing their Debian packages first when they are missing
 * and we run as root; throws why Nchan cannot run otherwise.
 */
export function installedNchan(log: (line: string) => void): string {
  const installed = () => existsSync(NGINX) && existsSync(MODULE);
  if (!installed()) {
    if (process.getuid?.() !== 0) throw new Error('nginx + libnginx-mod-nchan missing, not root');
    log('installing nginx and libnginx-mod-nchan with apt-get…');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    for (const args of [['update'], ['install', '-y', 'nginx', 'libnginx-mod-nchan']])
      execFileSync('apt-get', args, { stdio: 'ignore', env, timeout: 300_000 });
    if (!installed()) throw new Error('nginx + libnginx-mod-nchan installed, but files missing');
  }
  const version = (pkg: string) =>
    execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });
  return `nginx ${version('nginx-common')}, libnginx-mod-nchan ${version('libnginx-mod-nchan')}`;
}

/** nginx + Nchan on loopback, with bench/nchan/nginx.conf. */
export class NchanSystem extends SystemUnderTest {
  constructor(
    port: number,
    private readonly workDir: string,
  ) {
    super(port);
  }

  protected async spawn(): Promise<ChildProcess> {
    await mkdir(resolve(this.workDir, 'body'), { recursive: true });
    const config = (await readFile(TEMPLATE, 'utf8'))
      .replaceAll('{{USER}}', process.getuid?.() === 0 ? 'user nobody nogroup;' : '')
      .replaceAll('{{DIR}}', this.workDir)
      .replaceAll('{{MODULE}}', MODULE)
      .replaceAll('{{PORT}}', String(this.port));
    const file = resolve(this.workDir, 'nginx.conf');
    await writeFile(file, config);
    const args = ['-p', this.workDir, '-c', file, '-e', resolve(this.workDir, 'error.log')];
    return spawn(NGINX, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  }

  stream(user: string): { path: string; headerLines: string } {
    return { path: `/sub/${user}`, headerLines: '' };
  }

  producer() {
    return { kind: 'http' as const, port: this.port, pathPrefix: '/pub/' };
  }
}
