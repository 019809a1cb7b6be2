import { request } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { waitFor } from './wait-for';

export interface ReceivedEvent {
  id?: string;
  event?: string;
  data: string;
}

/**
 * A raw HTTP SSE reader that keeps the exact bytes and parses them as the WHATWG spec does,
 * so tests can assert both the wire format and what a browser would dispatch.
 */
export class SseRecording {
  raw = '';
  readonly events: ReceivedEvent[] = [];
  readonly comments: string[] = [];
  retry?: number;
  ended = false;
  /** Called for each event as it is dispatched, for clients that follow a stream live. */
  onEvent?: (event: ReceivedEvent) => void;
  /** Settles when the response ends, for whichever side. */
  readonly closed: Promise<void>;
  private pendingLine = '';
  private current: { id?: string; event?: string; data: string[] } = { data: [] };

  private constructor(
    readonly status: number,
    readonly headers: IncomingHttpHeaders,
    private readonly response: IncomingMessage,
  ) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => this.receive(chunk));
    this.closed = new Promise((resolve) =>
      response.on('close', () => {
        this.ended = true;
        resolve();
      }),
    );
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseRecording> {
    return new Promise((resolve, reject) => {
      const req = request(url, {
        headers: { Accept: 'text/event-stream', ...headers },
        agent: false,
      });
      req.once('response', (response) =>
        resolve(new SseRecording(response.statusCode ?? 0, response.headers, response)),
      );
      req.once('error', reject);
      req.end();
    });
  }

  /** The JSON body of a non-stream answer. */
  async json(): Promise<Record<string, unknown>> {
    await waitFor(() => this.ended, 'the response to end');
    return JSON.parse(this.raw) as Record<string, unknown>;
  }

  get messages(): ReceivedEvent[] {
    return this.events.filter((event) => event.event === undefined);
  }

  get messageIds(): string[] {
    return this.messages.map((event) => event.id ?? '');
  }

  async waitForMessages(count: number, timeoutMs?: number): Promise<ReceivedEvent[]> {
    await waitFor(() => this.messages.length >= count, `${count} messages`, timeoutMs);
    return this.messages;
  }

  close(): void {
    this.response.destroy();
  }

  /** Stops reading, as a stalled client does: the server's unsent output then grows. */
  pause(): void {
    this.response.pause();
  }

  resume(): void {
    this.response.resume();
  }

  /** Reads at about `bytesPerSecond`, as a client on a slow link does. */
  readSlowly(bytesPerSecond: number): void {
    this.response.on('data', (chunk: string) => {
      this.response.pause();
      const delay = (Buffer.byteLength(chunk) / bytesPerSecond) * 1000;
      setTimeout(() => this.response.resume(), delay);
    });
  }

  private receive(chunk: string): void {
    this.raw += chunk;
    const lines = (this.pendingLine + chunk).split(/\r\n|\r|\n/);
    this.pendingLine = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return void this.comments.push(line.slice(1).trimStart());
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') this.current.data.push(value);
    else if (field === 'id') this.current.id = value;
    else if (field === 'event') this.current.event = value;
    else if (field === 'retry') this.retry = Number(value);
  }

  private dispatch(): void {
    const { id, event, data } = this.current;
    this.current = { data: [] };
    if (data.length === 0) return;
    const received = { id, event, data: data.join('\n') };
    this.events.push(received);
    this.onEvent?.(received);
  }
}
