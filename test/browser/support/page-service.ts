import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@app/config';
import { createNotifierApp, listenOn } from '../../../apps/notifier/src/notifier-app';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET } from '../../support/notifier-harness';
import { freePort } from '../../support/notifier-process';
import { waitForAsync } from '../../support/wait-for';

const ROOT = resolve(__dirname, '../../..');

/**
 * Builds the page and the client into dist/web, as `npm run build:web` does. Test files run
 * in parallel workers, so they take turns (a directory is created atomically): the second
 * finds the build up to date instead of rewriting files the first one's browser is reading.
 */
export async function buildWebAssets(): Promise<void> {
  const lock = resolve(ROOT, 'dist/web-build.lock');
  mkdirSync(dirname(lock), { recursive: true });
  await waitForAsync(
    () => Promise.resolve(takeLock(lock)),
    `${lock} to go (remove it if no test runs)`,
    60_000,
  );
  try {
    execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function takeLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    return true;
  } catch {
    return false;
  }
}

/**
 * The service with its page, in this process, on a port that stays the same across
 * `restart()`: the page's origin (and so its tabs' storage) has to survive a restart.
 */
export class PageService {
  private constructor(
    private readonly databaseUrl: string,
    readonly port: number,
    private app?: NestExpressApplication,
  ) {}

  static async start(databaseUrl: string): Promise<PageService> {
    const service = new PageService(databaseUrl, await freePort());
    await service.listen();
    return service;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.listen();
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

  /** Starts it with the production start-up path, now or again after `stop()`. */
  async listen(): Promise<void> {
    const config = loadConfig({
      JWT_SECRET: TEST_JWT_SECRET,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      LOG_LEVEL: 'error',
      // Browsers reconnect after this: short, so that a restart is over quickly.
      SSE_RETRY_MS: '300',
    });
    this.app = await createNotifierApp(config, this.databaseUrl);
    await listenOn(this.app, this.port, '127.0.0.1');
  }
}
