import { ClientHttp2Session, ClientHttp2Stream, connect } from 'node:http2';
import { once } from 'node:events';
import { sleep, waitFor } from './wait-for';

/**
 * One HTTP/2 connection to a TLS origin, as a browser holds one: every stream and request
 * shares it. The edge's certificate is self-signed, so it is not verified.
 */
export async function connectHttp2(origin: string): Promise<ClientHttp2Session> {
  const session = connect(origin, { rejectUnauthorized: false });
  await once(session, 'connect');
  return session;
}

/**
 * `/users/me/events` read over an HTTP/2 stream: the ids of the notifications it carried, in
 * the order they came (other events and comments are not notifications).
 */
export class Http2EventStream {
  readonly ids: string[] = [];
  ended = false;
  private pending = '';

  private constructor(
    readonly status: number,
    private readonly stream: ClientHttp2Stream,
  ) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => this.receive(chunk));
    // A stream cut by the edge (its instance died) errors; either way it is over.
    stream.on('error', () => undefined);
    stream.on('close', () => (this.ended = true));
  }

  static async open(
    session: ClientHttp2Session,
    headers: Record<string, string>,
  ): Promise<Http2EventStream> {
    const stream = session.request({
      ':path': '/users/me/events',
      accept: 'text/event-stream',
      ...headers,
    });
    const [responseHeaders] = (await once(stream, 'response')) as [Record<string, unknown>];
    return new Http2EventStream(Number(responseHeaders[':status']), stream);
  }

  waitForIds(count: number, timeoutMs?: number): Promise<void> {
    return waitFor(() => this.ids.length >= count, `${count} notifications`, timeoutMs);
  }

  close(): void {
    this.stream.close();
  }

  private receive(chunk: string): void {
    const frames = (this.pending + chunk).split('\n\n');
    this.pending = frames.pop() ?? '';
    for (const frame of frames) this.frame(frame.split('\n'));
  }

  private frame(lines: string[]): void {
    const isNotification =
      !lines.some((line) => line.startsWith('event:')) &&
      lines.some((line) => line.startsWith('data:'));
    const id = lines.find((line) => line.startsWith('id: '))?.slice('id: '.length);
    if (!isNotification || id === undefined) return;
    this.ids.push(id);
  }
}

export interface ResumingOptions {
  /** The resume point of the first stream: `0` replays the user's whole history. */
  startAfter?: string;
  retryMs?: number;
  /** Awaited before each reconnect, to hold clients back while a test sets the scene. */
  beforeReconnect?: () => Promise<void>;
}

/**
 * A client as EventSource behaves, over one HTTP/2 connection: whenever its stream ends it opens
 * it again after `retryMs`, sending the last id it received as `Last-Event-ID`.
 */
export class ResumingHttp2Client {
  private readonly streams: Http2EventStream[] = [];
  private stopped = false;
  private readonly running: Promise<void>;

  constructor(
    private readonly session: ClientHttp2Session,
    private readonly authorization: string,
    private readonly options: ResumingOptions = {},
  ) {
    this.running = this.run();
  }

  /** Every notification id received, over all its streams, in order. */
  get ids(): string[] {
    return this.streams.flatMap((stream) => stream.ids);
  }

  /** Streams that answered 200: more than one means it reconnected. */
  get connections(): number {
    return this.streams.length;
  }

  get connected(): boolean {
    const current = this.streams.at(-1);
    return current !== undefined && !current.ended;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.streams.at(-1)?.close();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await this.follow().catch(() => undefined);
      if (this.stopped) break;
      await sleep(this.options.retryMs ?? 100);
      await this.options.beforeReconnect?.();
    }
  }

  private async follow(): Promise<void> {
    const stream = await Http2EventStream.open(this.session, {
      authorization: this.authorization,
      'last-event-id': this.ids.at(-1) ?? this.options.startAfter ?? '0',
    });
    if (stream.status !== 200 || this.stopped) return stream.close();
    this.streams.push(stream);
    await waitFor(() => stream.ended || this.stopped, 'the stream to end', Infinity);
  }
}
