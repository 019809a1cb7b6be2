import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends bytes exactly as given, for requests no well-behaved client would build (invalid
 * UTF-8, oversized heads), and reads the answer up to the end of its first chunk of body.
 */
export function rawRequest(baseUrl: string, request: Buffer): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const finish = () => {
      socket.destroy();
      const text = received.toString('latin1');
      const [head, ...body] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      resolve({ status, head, body: body.join('\r\n\r\n') });
    };
    socket.setTimeout(5_000, finish);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      // Enough once the head and a body are in; streams would never end by themselves.
      if (/\r\n\r\n[\s\S]+/.test(received.toString('latin1'))) setTimeout(finish, 50);
    });
    socket.on('end', finish);
    socket.on('error', (error) => (received.length > 0 ? finish() : reject(error)));
    socket.write(request);
  });
}

/** A GET request head, with header values taken as raw bytes. */
export function rawGet(path: string | Buffer, headers: [string, string | Buffer][] = []): Buffer {
  return Buffer.concat([
    Buffer.from('GET '),
    Buffer.from(path),
    Buffer.from(' HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n'),
    ...headers.map(([name, value]) =>
      Buffer.concat([Buffer.from(`${name}: `), Buffer.from(value), Buffer.from('\r\n')]),
    ),
    Buffer.from('\r\n'),
  ]);
}
