import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { InstalledClient, installPackedClient } from './support/client-package';
import { closeAfterTest } from './support/leak-check';
import { useNotifier } from './support/notifier-fixture';
import { RecordingProxy } from './support/recording-proxy';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

const TSC = resolve(__dirname, '../node_modules/.bin/tsc');

/** A program of the app's own, in plain Node: what the package's README shows. */
const RECEIVE = `
import { NotifierClient } from '@notifier/client';

const client = new NotifierClient({
  baseUrl: process.env.BASE_URL,
  token: process.env.TOKEN,
  userId: process.env.USER_ID,
});
client.onStatus((status) => console.log(JSON.stringify({ status })));
client.onNotification((notification) => {
  console.log(JSON.stringify({ notification }));
  client.stop();
});
await client.start();
`;

/** The same, type-checked as an app written in TypeScript would be. */
const TYPED = `
import { NotifierClient, type Notification } from '@notifier/client';

const client = new NotifierClient({ baseUrl: 'http://localhost:3000', token: () => 'jwt', userId: 'u' });
const first: Promise<Notification[]> = client.start();
const unread: number = client.unreadCount;
client.onNotification(({ id, type, readAt }) => console.log(id.length, type, readAt ?? 'unread'));
void first;
void unread;
`;

describe('the packed @notifier/client, installed alone and used from plain Node', () => {
  const { notifier, producer } = useNotifier();
  let installed: InstalledClient;

  beforeAll(async () => {
    installed = await installPackedClient();
  }, 120_000);
  afterAll(() => installed?.remove());

  it('installs alone: ES modules with their types, and no dependency at all', () => {
    const manifest = JSON.parse(
      readFileSync(join(installed.folder, 'node_modules/@notifier/client/package.json'), 'utf8'),
    );
    expect(manifest).toMatchObject({
      name: '@notifier/client',
      type: 'module',
      sideEffects: false,
    });
    expect(manifest.dependencies).toBeUndefined();
    expect(readdirSync(join(installed.folder, 'node_modules')).sort()).toEqual([
      '.package-lock.json',
      '@notifier',
    ]);
    expect(installed.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/react/index.js',
        'dist/react/index.d.ts',
      ]),
    );
    expect(installed.files.filter((path) => !path.startsWith('dist/'))).toEqual(['package.json']);
    expect(installed.files.filter((path) => path.includes('.spec.'))).toEqual([]);
  });

  it('type-checks in an app written in TypeScript', () => {
    writeFileSync(join(installed.folder, 'typed.ts'), TYPED);
    writeFileSync(
      join(installed.folder, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'nodenext',
          lib: ['ES2023', 'DOM'],
          types: [],
        },
        files: ['typed.ts'],
      }),
    );
    const check = spawnSync(TSC, ['-p', 'tsconfig.json'], {
      cwd: installed.folder,
      encoding: 'utf8',
    });
    expect(check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('receives a notification in plain Node, with its token only in a header, never in a URL', async () => {
    const proxy = await RecordingProxy.start(notifier.baseUrl);
    closeAfterTest(() => proxy.close());
    const user = uniqueUser();
    const token = notifier.tokenFor(user);
    writeFileSync(join(installed.folder, 'receive.mjs'), RECEIVE);
    const program = spawn(process.execPath, ['receive.mjs'], {
      cwd: installed.folder,
      env: { PATH: process.env.PATH, BASE_URL: proxy.baseUrl, TOKEN: token, USER_ID: user },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    closeAfterTest(() => program.exitCode === null && program.kill());
    const said = linesOf(program);

    await waitFor(() => said.some((line) => line.status === 'open'), 'the stream to open');
    await producer.notify(user, { text: 'hello from SQL' }, 'greeting');
    const [id] = await producer.waitForLogIds(user, 1);
    const [code] = (await once(program, 'exit')) as [number];

    expect(code).toBe(0);
    expect(said.find((line) => line.notification)?.notification).toMatchObject({
      id,
      type: 'greeting',
      payload: { text: 'hello from SQL' },
      readAt: null,
    });
    expect(proxy.requestsTo('/users/me/events')).toHaveLength(1);
    expect(proxy.requestsTo('/users/me/notifications').length).toBeGreaterThan(0);
    for (const seen of proxy.requests) {
      expect(seen.headers.authorization).toBe(`Bearer ${token}`);
      expect(seen.url).not.toContain(token.split('.')[2]);
      expect(seen.url).not.toContain('access_token');
    }
  });
});

/** What a program prints, one JSON object per line, as it comes. */
function linesOf(program: ChildProcess): Record<string, any>[] {
  const lines: Record<string, any>[] = [];
  createInterface({ input: program.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  return lines;
}
