import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import type { BenchPostgres, StatementCalls } from '../postgres';
import { query } from '../postgres';
import { rssKiB, stopChild, waitForHttp } from './processes';
import type { SystemUnderTest } from './system';

const ROOT = resolve(__dirname, '../..');
const MAIN = resolve(ROOT, 'dist/apps/notifier/src/main.js');
const DATABASE = 'notifier_bench';

/** The built service (`npm run build`), one process, as production runs it. */
export class NotifierSystem implements SystemUnderTest {
  readonly name = 'notifier';
  private child?: ChildProcess;
  private url = '';
  private readonly secret = randomBytes(32).toString('hex');
  private readonly jwt = new JwtService({ secret: this.secret });
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly port: number,
    private readonly postgres: BenchPostgres,
    /** When set, the service writes a V8 CPU profile there on exit. */
    private readonly profileDir?: string,
  ) {}

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
        ADMIN_TOKEN: randomBytes(16).toString('hex'),
        DATABASE_URL: this.url,
        PORT: String(this.port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitForHttp(this.port, '/health');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
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

  memoryKiB(): Promise<number> {
    return rssKiB(this.child!.pid!);
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

  sqlStatements(): Promise<StatementCalls> {
    return this.postgres.statements(DATABASE);
  }

  version(): Promise<string> {
    return Promise.resolve(`notifier (this tree), Node ${process.version}`);
  }
}
