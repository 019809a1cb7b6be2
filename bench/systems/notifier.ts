import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { JwtService } from '@nestjs/jwt';
import { query } from '../postgres';
import { stopChild, waitForHttp } from './processes';
import type { SystemUnderTest } from './system';

const ROOT = resolve(__dirname, '../..');
/** What production runs: the build of `npm run build`. */
const BUILT = [resolve(ROOT, 'dist/apps/notifier/src/main.js')];

export interface NotifierOptions {
  /** More environment: OUTBOX_WAKE, NOTIFIER_WORKERS… */
  env?: Record<string, string>;
  /** Node arguments that start it; the built service by default. */
  command?: string[];
}

/** The service in a process of its own, on `postgresUrl`, with a JWT secret made up for the run. */
export class NotifierSystem implements SystemUnderTest {
  private child?: ChildProcess;
  private output = '';
  private readonly secret = randomBytes(32).toString('hex');
  private readonly jwt = new JwtService({ secret: this.secret });
  private readonly tokens = new Map<string, string>();

  constructor(
    readonly port: number,
    readonly postgresUrl: string,
    private readonly options: NotifierOptions = {},
  ) {}

  async start(): Promise<void> {
    this.child = spawn(process.execPath, this.options.command ?? BUILT, {
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
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        this.output = (this.output + chunk).slice(-65_536);
        process.stderr.write(chunk);
      });
    }
    await waitForHttp(this.port, '/health');
  }

  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child);
  }

  pid(): number {
    return this.child!.pid!;
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
    return { kind: 'sql' as const, url: this.postgresUrl, table: 'notification_outbox' };
  }

  /** The outbox is empty: the ingester has moved every row into the log. */
  async settled(): Promise<void> {
    for (let attempt = 0; attempt < 1200; attempt++) {
      const [row] = await query(this.postgresUrl, 'SELECT count(*) AS n FROM notification_outbox');
      if (Number(row.n) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error('the outbox did not drain within 120 s');
  }

  /** The OUTBOX_WAKE it ran in: the one set, or the fallback its start-up warning names. */
  get outboxWake(): string {
    const fallback = /Falling back to OUTBOX_WAKE=(\w+)/.exec(this.output)?.[1];
    return fallback ?? this.options.env?.OUTBOX_WAKE ?? 'wal';
  }

  describe(): string {
    return `notifier (this tree, OUTBOX_WAKE=${this.outboxWake}), Node ${process.version}`;
  }
}
