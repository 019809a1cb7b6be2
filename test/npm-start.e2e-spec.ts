import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { resolve } from 'node:path';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import { SseRecording } from './support/sse-client';
import { TEST_ADMIN_TOKEN, TEST_JWT_SECRET, tokenFor } from './support/tokens';
import { sleep, waitFor } from './support/wait-for';

/** `npm start` builds the page and starts through ts-node: slow on a busy 2-core machine. */
jest.setTimeout(120_000);

const ROOT = resolve(__dirname, '..');

/** `npm start` as a terminal or a supervisor runs it: the leader of a process group of its own. */
function npmStart(env: Record<string, string>): { npm: ChildProcess; output: () => string } {
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  npm.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { npm, output: () => output };
}

/** Whether any process is left in the group (`kill -0 -PGID`). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((settle) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      settle(true);
    });
    socket.once('error', () => settle(false));
  });
}

describe('npm start, stopped by a signal to its process group', () => {
  const { database } = useDatabase();
  const settings = () => ({
    DATABASE_URL: database.url,
    HOST: '127.0.0.1',
    JWT_SECRET: TEST_JWT_SECRET,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'on %s exits only after the service has drained its streams and freed the port',
    async (signal) => {
      const port = await freePort();
      const { npm, output } = npmStart({
        ...settings(),
        PORT: String(port),
        // Open streams end spread over this long: the service outlives the signal by as much.
        SHUTDOWN_DRAIN_MS: '2000',
      });
      const pgid = npm.pid!;
      try {
        await waitFor(() => output().includes('Notifier is listening on'), 'listening', 100_000);
        const stream = await SseRecording.open(`http://127.0.0.1:${port}/users/me/events`, {
          Authorization: `Bearer ${tokenFor('ada')}`,
        });
        expect(stream.status).toBe(200);

        const exited = once(npm, 'exit');
        process.kill(-pgid, signal);
        const [code] = (await exited) as [number | null];

        expect({ portAnswers: await portAnswers(port), groupAlive: groupAlive(pgid) }).toEqual({
          portAnswers: false,
          groupAlive: false,
        });
        expect(stream.ended).toBe(true);
        expect(output()).toContain(`${signal} received: ending streams and shutting down`);
        expect(code).toBe(0);
      } finally {
        if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
      }
    },
  );

  /**
   * The service alone, with open streams that keep its drain busy: each ends at a random moment
   * within `drainMs`, so the drain lasts until the last of them ends.
   */
  async function serviceWithStreams(drainMs: number, count = 1) {
    const port = await freePort();
    const service = NotifierProcess.start({
      ...settings(),
      PORT: String(port),
      SHUTDOWN_DRAIN_MS: String(drainMs),
    });
    await service.waitForOutput(/Notifier is listening on/);
    const streams = await Promise.all(
      Array.from({ length: count }, () =>
        SseRecording.open(`http://127.0.0.1:${port}/users/me/events`, {
          Authorization: `Bearer ${tokenFor('ada')}`,
        }),
      ),
    );
    return { service, streams };
  }

  it('stops once, cleanly, when the signal reaches it twice (the group, then npm forwarding it)', async () => {
    const {
      service,
      streams: [stream],
    } = await serviceWithStreams(2000);
    try {
      service.signal('SIGINT');
      await service.waitForOutput(/SIGINT received/);
      service.signal('SIGINT');

      expect(await service.exit()).toBe(0);
      expect(stream.ended).toBe(true);
    } finally {
      await service.stop('SIGKILL');
    }
  });

  it('exits at once, with 1, on a second Ctrl+C pressed during the drain', async () => {
    // One stream alone would end within the first two seconds of the drain once in thirty runs,
    // and the drain with it; the last of eight does so about once in 10^12.
    const { service, streams } = await serviceWithStreams(60_000, 8);
    try {
      service.signal('SIGINT');
      await service.waitForOutput(/SIGINT received/);
      // Longer than a signal takes to arrive twice (the test above), as a person's second press.
      await sleep(1_500);
      service.signal('SIGINT');

      expect(await service.exit()).toBe(1);
      expect(streams.every((stream) => stream.ended)).toBe(true);
    } finally {
      await service.stop('SIGKILL');
    }
  });
});
