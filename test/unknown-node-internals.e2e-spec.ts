import type { Server } from 'node:http';
import { connect, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { useNotifier } from './support/notifier-fixture';
import { signToken } from './support/tokens';
import { uniqueUser } from './support/users';
import { waitForAsync } from './support/wait-for';

/** Everything the server sent on one connection, until it closed it. */
function readWholeAnswer(port: number, userId: string): Promise<string> {
  // A short token: the stream ends itself when it expires, as every stream does in time.
  const token = signToken({ sub: userId }, { expiresIn: 2 });
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no end after 10 s: ${received}`)));
    socket.write(
      'GET /users/me/events HTTP/1.1\r\nHost: 127.0.0.1\r\n' +
        `Authorization: Bearer ${token}\r\nLast-Event-ID: 0\r\n\r\n`,
    );
  });
}

/** The answer as a client reads it: status, headers by lower-case name (Date aside), body. */
function readAnswer(raw: string) {
  const [head, ...rest] = raw.split('\r\n\r\n');
  const [statusLine, ...headerLines] = head.split('\r\n');
  const headers = headerLines
    .map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 2),
    ])
    .filter(([name]) => name !== 'date')
    .sort(([a], [b]) => a.localeCompare(b));
  // Heartbeats come on a timer: how many fit before the token expires may differ by one.
  const body = rest.join('\r\n\r\n').replace(/(: ping\n\n)+/g, ': ping\n\n');
  return { statusLine, headers, body };
}

/**
 * What a Node release whose HTTP server is built otherwise looks like to the stream's fast
 * path: the server's own listener on each connection carries a name it does not know. The
 * server itself works exactly as before.
 */
function disguiseHttpServerListeners(server: Server): () => void {
  const disguise = (socket: Socket) => {
    for (const listener of socket.listeners('data') as ((chunk: Buffer) => void)[]) {
      socket.removeListener('data', listener);
      socket.on('data', (chunk: Buffer) => listener.call(socket, chunk));
    }
  };
  server.on('connection', disguise);
  return () => server.off('connection', disguise);
}

describe('a Node release whose HTTP internals the stream does not know', () => {
  const { notifier, producer } = useNotifier({ env: { SSE_HEARTBEAT_MS: '300' } });
  const server = (): Server => notifier.app.getHttpServer();
  const port = () => (server().address() as AddressInfo).port;

  it('still streams: the same head, retry frame, events, heartbeat and end as the fast path, and one warning', async () => {
    const user = uniqueUser();
    await producer.notify(user, { hello: 'any node' });
    // Delivered once, so that both answers below carry the same `deliveredAt`.
    const first = await notifier.stream(user, { headers: { 'Last-Event-ID': '0' } });
    await first.waitForMessages(1);
    first.close();
    await waitForAsync(async () => {
      const inbox = await notifier.http('GET', '/users/me/notifications', { as: user });
      return inbox.body.items?.[0]?.deliveredAt !== null;
    }, 'the delivery receipt');

    const fastPath = readAnswer(await readWholeAnswer(port(), user));
    const warnings = jest.spyOn(Logger.prototype, 'warn');
    const restore = disguiseHttpServerListeners(server());
    let fallbackRaw: string;
    let secondFallbackRaw: string;
    try {
      [fallbackRaw, secondFallbackRaw] = await Promise.all([
        readWholeAnswer(port(), user),
        readWholeAnswer(port(), user),
      ]);
    } finally {
      restore();
    }
    const fallback = readAnswer(fallbackRaw);

    expect(fallback.statusLine).toBe('HTTP/1.1 200 OK');
    expect(fallback).toEqual(fastPath);
    expect(readAnswer(secondFallbackRaw)).toEqual(fastPath);
    expect(fastPath.body).toMatch(
      /^retry: 3000\n\nid: \d+\ndata: \{"id":"\d+","type":"message","payload":\{"hello": "any node"\}.*\}\n\n: ping\n\n$/,
    );
    const fallbackWarnings = warnings.mock.calls.filter(([message]) =>
      String(message).includes(process.version),
    );
    warnings.mockRestore();
    expect(fallbackWarnings).toHaveLength(1);
  });
});
