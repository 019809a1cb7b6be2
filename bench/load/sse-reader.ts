import { connect, Socket } from 'node:net';

export interface SseTarget {
  port: number;
  /** Request path with query string. */
  path: string;
  /** Extra request header lines, each ending in CRLF. */
  headerLines: string;
}

export interface SseEventSink {
  /** `id` is the raw `id:` field (empty when absent); `data` the joined data lines. */
  onEvent(id: string, data: string): void;
  onClose(): void;
}

/**
 * A deliberately lean SSE client: one socket, latin1 strings, its own chunked decoder and
 * frame splitter. Node's http client and the `eventsource` package cost several times more
 * CPU per event, and the load generator shares the machine with what it measures.
 */
export class SseReader {
  private socket?: Socket;
  private head = '';
  private headDone = false;
  private chunked = false;
  private chunkLeft = 0;
  private chunkState: 'size' | 'data' | 'crlf' = 'size';
  private raw = '';
  private text = '';

  constructor(
    private readonly target: SseTarget,
    private readonly sink: SseEventSink,
  ) {}

  /**
   * Resolves once a 200 header arrived; rejects on any other answer or a socket error.
   * `port` overrides the target's, as a load balancer sends a reconnect to another instance.
   */
  open(lastEventId?: string, port = this.target.port): Promise<void> {
    this.reset();
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      this.socket = socket;
      socket.setEncoding('latin1');
      socket.setNoDelay(true);
      const resume = lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '';
      socket.write(
        `GET ${this.target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n` +
          `${this.target.headerLines}${resume}\r\n`,
      );
      socket.on('data', (chunk: string) => {
        if (this.headDone) return this.body(chunk);
        const status = this.header(chunk);
        if (status === undefined) return;
        if (status === 200) resolve();
        else {
          reject(new Error(`HTTP ${status} for ${this.target.path}`));
          socket.destroy();
        }
      });
      socket.on('error', reject);
      socket.once('close', () => this.sink.onClose());
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private reset(): void {
    this.close();
    this.head = '';
    this.headDone = false;
    this.chunkState = 'size';
    this.raw = '';
    this.text = '';
  }

  /** Returns the status code once the header block is complete. */
  private header(chunk: string): number | undefined {
    this.head += chunk;
    const end = this.head.indexOf('\r\n\r\n');
    if (end === -1) return undefined;
    this.headDone = true;
    const block = this.head.slice(0, end).toLowerCase();
    this.chunked = block.includes('transfer-encoding: chunked');
    const rest = this.head.slice(end + 4);
    this.head = '';
    if (rest) this.body(rest);
    return Number(block.slice(9, 12));
  }

  private body(chunk: string): void {
    if (!this.chunked) return this.frames(chunk);
    this.raw += chunk;
    let out = '';
    for (;;) {
      if (this.chunkState === 'size') {
        const eol = this.raw.indexOf('\r\n');
        if (eol === -1) break;
        this.chunkLeft = parseInt(this.raw.slice(0, eol), 16);
        this.raw = this.raw.slice(eol + 2);
        this.chunkState = this.chunkLeft === 0 ? 'crlf' : 'data';
      } else if (this.chunkState === 'data') {
        if (this.raw.length === 0) break;
        const take = Math.min(this.chunkLeft, this.raw.length);
        out += this.raw.slice(0, take);
        this.raw = this.raw.slice(take);
        this.chunkLeft -= take;
        if (this.chunkLeft === 0) this.chunkState = 'crlf';
      } else {
        if (this.raw.length < 2) break;
        this.raw = this.raw.slice(2);
        this.chunkState = 'size';
      }
    }
    if (out) this.frames(out);
  }

  /** Splits on blank lines; only `id:` and `data:` matter, named events are skipped. */
  private frames(text: string): void {
    this.text += text;
    let start = 0;
    for (;;) {
      const end = this.text.indexOf('\n\n', start);
      if (end === -1) break;
      this.frame(this.text.slice(start, end));
      start = end + 2;
    }
    this.text = start === 0 ? this.text : this.text.slice(start);
  }

  private frame(frame: string): void {
    let id = '';
    let data = '';
    for (const line of frame.split('\n')) {
      if (line.startsWith('data:'))
        data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
      else if (line.startsWith('id:')) id = line.slice(line[3] === ' ' ? 4 : 3);
      else if (line.startsWith('event:')) return;
    }
    if (data) this.sink.onEvent(id, data);
  }
}

/** Reads the integer after `"key":` in a JSON text, skipping a space; NaN when absent. */
export function jsonNumber(json: string, key: string): number {
  const at = json.indexOf(`"${key}":`);
  if (at === -1) return NaN;
  let index = at + key.length + 3;
  if (json.charCodeAt(index) === 32) index++;
  let value = 0;
  let digits = 0;
  for (
    let code = json.charCodeAt(index);
    code >= 48 && code <= 57;
    code = json.charCodeAt(++index)
  ) {
    value = value * 10 + (code - 48);
    digits++;
  }
  return digits ? value : NaN;
}
