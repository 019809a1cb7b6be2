import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { whileNoOtherBuild } from '../../support/build-lock';
import { freePort } from '../../support/free-port';
import type { RunningNotifier } from '../../support/notifier-harness';
import { TEST_ADMIN_TOKEN } from '../../support/tokens';

const ROOT = resolve(__dirname, '../../..');

/**
 * Builds the page and the client package into dist/web, as `npm run build:web` does. Test files
 * run in parallel workers, so they take turns: the second finds the build up to date instead of
 * rewriting files the first one's browser is reading.
 */
export async function buildWebAssets(): Promise<void> {
  await whileNoOtherBuild(() =>
    execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' }),
  );
}

/** Starts an in-process instance with this environment on this port (the fixture's). */
export type StartNotifier = (env: Record<string, string>, port: number) => Promise<RunningNotifier>;

/**
 * The service with its page, in this process, on a port that stays the same across `stop()`
 * and `listen()`: the page's origin (and so its tabs' storage) has to survive a restart.
 */
export class PageService {
  private instance?: RunningNotifier;

  private constructor(
    private readonly startNotifier: StartNotifier,
    readonly port: number,
  ) {}

  static async start(startNotifier: StartNotifier): Promise<PageService> {
    const service = new PageService(startNotifier, await freePort());
    await service.listen();
    return service;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.instance?.close();
    this.instance = undefined;
  }

  /** The user's open streams on this instance, as the admin API lists them. */
  async connections(userId: string): Promise<{ id: number; lastEventId: string }[]> {
    return (await this.admin('GET', `/admin/users/${userId}/connections`)).json() as Promise<
      { id: number; lastEventId: string }[]
    >;
  }

  admin(method: string, path: string): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
  }

  /** Starts it, now or again after `stop()`. */
  async listen(): Promise<void> {
    // Browsers reconnect after this: short, so that a restart is over quickly.
    this.instance = await this.startNotifier({ SSE_RETRY_MS: '300' }, this.port);
  }
}
