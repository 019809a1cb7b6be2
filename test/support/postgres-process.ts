import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './free-port';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../..');

export interface PostgresProcessOptions {
  /** More `-c name=value` server settings. */
  serverFlags?: string[];
  /** The checkout whose code and node_modules start it (default: this one). */
  checkout?: string;
}

/** A PostgreSQL server of a test's own, which the test may stop and start again at will. */
export class PostgresProcess {
  /** What the starting process printed, on both streams. */
  output = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.output += chunk));
    child.once('exit', () => (this.exited = true));
  }

  /** Starts the server on `port` with its data in `dir` (kept across restarts). */
  static async start(
    dir: string,
    port: number,
    { serverFlags = [], checkout = ROOT }: PostgresProcessOptions = {},
  ): Promise<{ server: PostgresProcess; url: string }> {
    const child = spawn(
      process.execPath,
      [
        ...['-r', require.resolve('ts-node/register/transpile-only')],
        ...['-r', require.resolve('tsconfig-paths/register')],
        resolve(checkout, 'test/support/postgres-process-main.ts'),
        dir,
        String(port),
        ...serverFlags,
      ],
      {
        cwd: checkout,
        env: { PATH: process.env.PATH, TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const server = new PostgresProcess(child);
    await waitFor(() => /ready \S+\n/.test(server.output) || server.exited, 'PostgreSQL', 60_000);
    const url = /ready (\S+)\n/.exec(server.output)?.[1];
    if (!url) throw new Error(`PostgreSQL did not start: ${server.output}`);
    return { server, url };
  }

  /** A clean shutdown of the server, which ends every client's connection. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exit = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exit;
  }
}

/**
 * A PostgreSQL server of a test file's own, in a temporary folder on a free port, for tests
 * that stop it, start it again or run it with other settings: the shared server must not be.
 */
export class OwnPostgres {
  url = '';
  private server?: PostgresProcess;

  private constructor(
    private readonly dir: string,
    private readonly port: number,
    private readonly serverFlags: string[],
  ) {}

  static async start(serverFlags: string[] = []): Promise<OwnPostgres> {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-own-postgres-'));
    // The embedded server runs as the OS user "postgres" when we are root.
    await chmod(dir, 0o755);
    const postgres = new OwnPostgres(dir, await freePort(), serverFlags);
    await postgres.restart();
    return postgres;
  }

  /** Starts it again after `stop()`, with its data, on its port. */
  async restart(): Promise<void> {
    const started = await PostgresProcess.start(this.dir, this.port, {
      serverFlags: this.serverFlags,
    });
    this.server = started.server;
    this.url = started.url;
  }

  /** A clean shutdown, which ends every client's connection. */
  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }

  async remove(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}
