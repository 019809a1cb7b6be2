import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get } from 'node:http';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import type { BenchPostgres, StatementStats } from '../postgres';
import { query } from '../postgres';
import { rssKiB, stopChild, treePssKiB, waitForHttp } from './processes';
import type { SystemUnderTest } from './system';

const ROOT = resolve(__dirname, '../..');
const MAIN = resolve(ROOT, 'dist/apps/notifier/src/main.js');
const DATABASE = 'notifier_bench';

export interface NotifierOptions {
  /** When set, the service writes a V8 CPU profile there on exit. */
  profileDir?: string;
  /** NOTIFIER_WORKERS (default 1). */
  workers?: number;
  /** More environment, e.g. SHUTDOWN_DRAIN_MS. */
  env?: Record<string, string>;
  /** Instances given the same JWT secret accept each other's tokens, as behind one balancer. */
  jwtSecret?: string;
}

/**
 * The built service (`npm run build`), as production runs it: one process, or a cluster
 * primary with `workers` worker processes on the port (NOTIFIER_WORKERS).
 */
export class NotifierSystem implements SystemUnderTest {
  readonly name: string;
  /** Only a single process: with workers, each scrape would reach one of them at random. */
  readonly metricsText?: () => Promise<string>;
  private child?: ChildProcess;
  private url = '';
  private readonly secret: string;
  private readonly adminToken = randomBytes(16).toString('hex');
  private readonly jwt: JwtService;
  private readonly tokens = new Map<string, string>();
  private readonly profileDir?: string;
  private readonly workers: number;

  constructor(
    readonly port: number,
    private readonly postgres: BenchPostgres,
    private readonly options: NotifierOptions = {},
  ) {
    this.profileDir = options.profileDir;
    this.workers = options.workers ?? 1;
    this.secret = options.jwtSecret ?? randomBytes(32).toString('hex');
    this.jwt = new JwtService({ secret: this.secret });
    this.name = this.workers === 1 ? 'notifier' : `notifier-${this.workers}w`;
    if (this.workers === 1) this.metricsText = () => this.scrapeMetrics();
  }

  async start(scenario: string): Promise<void> {
    this.url = await this.postgres.database(DATABASE);
    const profile = this.profileDir
      ? [
          '--cpu-prof',
          `--cpu-prof-dir=${this.profileDir}`,
          `--cpu-prof-name=${scenario}.cpuprofile`,
        ]
      : [];
    this.child = spawn(process.execPath, [...profile, MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        JWT_SECRET: this.secret,
        ADMIN_TOKEN: this.adminToken,
        NOTIFIER_WORKERS: String(this.workers),
        DATABASE_URL: this.url,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ...this.options.env,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForHttp(this.port, '/health');
    if (this.workers > 1) await this.waitForEveryWorker();
  }

  /** Every worker answers: new connections reach as many instance ids as there are workers. */
  private async waitForEveryWorker(): Promise<void> {
    const seen = new Set<string>();
    for (let attempt = 0; seen.size < this.workers; attempt++) {
      if (attempt > 600) throw new Error(`only ${seen.size} of ${this.workers} workers answered`);
      seen.add(await this.instanceIdOnNewConnection());
    }
  }

  private instanceIdOnNewConnection(): Promise<string> {
    return new Promise((resolve, reject) => {
      const headers = { Authorization: `Bearer ${this.adminToken}` };
      const request = get(
        { host: '127.0.0.1', port: this.port, path: '/admin/stats', agent: false, headers },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () =>
            resolve((JSON.parse(body) as { instanceId: string }).instanceId),
          );
        },
      );
      request.on('error', reject);
    });
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  /** How the process ended: its exit code, else the signal that killed it; null while running. */
  get exit(): number | string | null {
    return this.child?.exitCode ?? this.child?.signalCode ?? null;
  }

  /** `GET /admin/stats` of this instance (one worker's, with workers). */
  async adminStats(): Promise<Record<string, unknown>> {
    const response = await fetch(`http://127.0.0.1:${this.port}/admin/stats`, {
      headers: { Authorization: `Bearer ${this.adminToken}` },
    });
    if (!response.ok) throw new Error(`/admin/stats answered ${response.status}`);
    return (await response.json()) as Record<string, unknown>;
  }

  stream(user: string): { path: string; headerLines: string } {
    let token = this.tokens.get(user);
    if (!token) {
      token = this.jwt.sign({ sub: user }, { expiresIn: '2h' });
      this.tokens.set(user, token);
    }
    return { path: '/users/me/events', headerLines: `Authorization: Bearer ${token}\r\n` };
  }

  producer() {
    return { kind: 'sql' as const, url: this.url, insert: 'notifier' as const };
  }

  private async scrapeMetrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.port}/metrics`);
    if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
    return response.text();
  }

  memoryKiB(): Promise<number> {
    return this.workers === 1 ? rssKiB(this.child!.pid!) : treePssKiB(this.child!.pid!);
  }

  /** The outbox is empty: the ingester has moved every row into the log. */
  async settled(): Promise<void> {
    for (let attempt = 0; attempt < 600; attempt++) {
      const [row] = await query(this.url, 'SELECT count(*)::int AS n FROM notification_outbox');
      if (Number(row.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the outbox did not drain within 60 s');
  }

  sqlStatements(): Promise<StatementStats> {
    return this.postgres.statements(DATABASE);
  }

  version(): Promise<string> {
    return Promise.resolve(`notifier (this tree), Node ${process.version}`);
  }
}
