import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { waitFor } from './wait-for';

const ROOT = resolve(__dirname, '../..');

/** The service as `npm start` runs it, in a process of its own, for tests of its lifecycle. */
export class NotifierProcess {
  stdout = '';
  stderr = '';
  exitCode?: number | null;
  private readonly exited: Promise<unknown>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = once(child, 'exit').then(([code]) => (this.exitCode = code as number | null));
  }

  /** `args`: a command of main.ts (`migrate`); none starts the service. */
  static start(env: Record<string, string>, cwd = ROOT, args: string[] = []): NotifierProcess {
    return NotifierProcess.spawn(
      [
        ...['-r', require.resolve('ts-node/register/transpile-only')],
        ...['-r', require.resolve('tsconfig-paths/register')],
        resolve(ROOT, 'apps/notifier/src/main.ts'),
        ...args,
      ],
      { TS_NODE_PROJECT: resolve(ROOT, 'tsconfig.json'), ...env },
      cwd,
    );
  }

  /** The built service (`dist/…/main.js`), as the image runs it: node alone, no ts-node. */
  static startBuilt(
    main: string,
    env: Record<string, string>,
    cwd: string,
    args: string[] = [],
  ): NotifierProcess {
    return NotifierProcess.spawn([main, ...args], env, cwd);
  }

  private static spawn(argv: string[], env: Record<string, string>, cwd: string): NotifierProcess {
    const child = spawn(process.execPath, argv, {
      cwd,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NotifierProcess(child);
  }

  /** The default leaves room for a start, which ts-node makes take up to 30 s on a busy machine. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    await waitFor(
      () => pattern.test(this.stdout) || this.exitCode !== undefined,
      `output ${pattern}`,
      timeoutMs,
    );
    const match = this.stdout.match(pattern);
    if (!match)
      throw new Error(`exited with ${this.exitCode} before printing ${pattern}: ${this.stderr}`);
    return match;
  }

  /** Sends a signal without waiting for what it does. */
  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null | undefined> {
    if (this.exitCode === undefined) this.child.kill(signal);
    await this.exited;
    return this.exitCode;
  }

  /** Resident memory of the process, as the kernel counts it. */
  rssBytes(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]) * 1024;
  }

  async exit(): Promise<number | null | undefined> {
    await this.exited;
    return this.exitCode;
  }
}
