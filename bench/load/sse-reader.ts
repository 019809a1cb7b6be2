import { connect, Socket } from 'node:net';

export interface SseTarget {
  port: number;
  /** Request path with query string. */
  path: string;
  /** Extra request header lines, each ending in CRLF. */
  headerLines: string;
}

/** Receives each event: `id` is the raw `id:` field (empty when absent), `data` its data lines. */
export type OnEvent = (id: string, data: string) => void;

/** The size line of a chunk, after the CRLF that ends the previous chunk's data. */
const CHUNK_SIZE = /^(?:\r\n)?([0-9a-fA-F]+)\r\n/;

/**
 * A deliberately lean SSE client: one socket, latin1 strings, its own chunked decoder and
 * frame splitter. Node's http client and the `eventsource` package cost several times more
 * CPU per event, and the load generator shares the machine with what it measures.
 */
export class SseReader {
  private socket?: Socket;
  private head: string | undefined;
  private chunked = false;
  private chunkLeft = 0;
  private raw = '';
  private text = '';

  constructor(
    private readonly target: SseTarget,
    private readonly onEvent: OnEvent,
  ) {}

  /** Resolves once a 200 header arrived; rejects on any other answer or a socket error. */
  open(lastEventId?: string): Promise<void> {
    this.close();
    [this.head, this.chunkLeft, this.raw, this.text] = ['', 0, '', ''];
    return new Promise((resolve, reject) => {
      const socket = (this.socket = connect(this.target.port, '127.0.0.1'));
      socket.setEncoding('latin1');
      socket.setNoDelay(true);
      const resume = lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '';
      socket.write(
        `GET ${this.target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n` +
          `${this.target.headerLines}${resume}\r\n`,
      );
      socket.on('data', (chunk: string) => {
        if (this.head === undefined) return this.body(chunk);
        const status = this.header(chunk);
        if (status === 200) resolve();
        else if (status !== undefined) {
          reject(new Error(`HTTP ${status} for ${this.target.path}`));
          socket.destroy();
        }
      });
      socket.on('error', reject);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Returns the status code once the header block is complete. */
  private header(chunk: string): number | undefined {
    const head = this.head + chunk;
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return void (this.head = head);
    this.head = undefined;
    const block = head.slice(0, end).toLowerCase();
    this.chunked = block.includes('transfer-encoding: chunked');
    this.body(head.slice(end + 4));
    return Number(block.slice(9, 12));
  }

  private body(chunk: string): void {
    if (!this.chunked) return this.frames(chunk);
    this.raw += chunk;
    for (;;) {
      if (this.chunkLeft > 0) {
        const data = this.raw.slice(0, this.chunkLeft);
        this.raw = this.raw.slice(data.length);
        this.chunkLeft -= data.length;
        this.frames(data);
        if (this.chunkLeft > 0) return;
      }
      const size = CHUNK_SIZE.exec(this.raw);
      if (!size) return;
      this.raw = this.raw.slice(size[0].length);
      this.chunkLeft = parseInt(size[1], 16);
      if (this.chunkLeft === 0) return;
    }
  }

  /** Splits on blank lines; only `id:` and `data:` matter, named events are skipped. */
  private frames(text: string): void {
    this.text += text;
    let start = 0;
    for (let end = this.text.indexOf('\n\n'); end !== -1; end = this.text.indexOf('\n\n', start)) {
      this.frame(this.text.slice(start, end));
      start = end + 2;
    }
    this.text = this.text.slice(start);
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
    if (data) this.onEvent(id, data);
  }
}

/** Reads the integer after `"key":` in a JSON text, skipping a space; NaN when absent. */
export function jsonNumber(json: string, key: string): number {
  const at = json.indexOf(`"${key}":`);
  if (at === -1) return NaN;
  const digits = /^ ?(\d+)/.exec(json.slice(at + key.length + 3, at + key.length + 24));
  return digits ? Number(digits[1]) : NaN;
}
