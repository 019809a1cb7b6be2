import { connect, Socket } from 'node:net';

/**
 * A deliberately lean SSE client: one socket, latin1 strings, its own frame splitter. Node's
 * http client costs twice its CPU per stream opened and a fifth more per event (measured here),
 * and the load generator shares the machine with what it measures. Both systems send the
 * stream unchunked (Nchan by `chunked_transfer_encoding off`); a chunked one is refused.
 */
export abstract class SseReader {
  private socket?: Socket;
  private head: string | undefined;
  private text = '';

  constructor(
    private readonly port: number,
    /** `headerLines`: extra request header lines, each ending in CRLF. */
    private readonly target: { path: string; headerLines: string },
  ) {}

  /** Each event: `id` is the raw `id:` field (empty when absent), `data` its data lines. */
  protected abstract onEvent(id: string, data: string): void;

  /** Resolves once an unchunked 200 header arrived; rejects on any other answer or an error. */
  open(lastEventId?: string): Promise<void> {
    this.close();
    [this.head, this.text] = ['', ''];
    return new Promise((resolve, reject) => {
      const socket = (this.socket = connect(this.port, '127.0.0.1'));
      socket.setEncoding('latin1');
      socket.setNoDelay(true);
      const resume = lastEventId ? `Last-Event-ID: ${lastEventId}\r\n` : '';
      socket.write(
        `GET ${this.target.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n` +
          `${this.target.headerLines}${resume}\r\n`,
      );
      socket.on('data', (chunk: string) => {
        if (this.head === undefined) return this.frames(chunk);
        const head = this.header(chunk);
        if (head === undefined) return;
        const status = Number(head.slice(9, 12));
        const chunked = head.includes('transfer-encoding: chunked');
        if (status === 200 && !chunked) return resolve();
        reject(new Error(`HTTP ${status}${chunked ? ' chunked' : ''} for ${this.target.path}`));
        socket.destroy();
      });
      socket.on('error', reject);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** The header block, lower-cased, once complete; what follows it goes to the frames. */
  private header(chunk: string): string | undefined {
    const head = this.head + chunk;
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return void (this.head = head);
    this.head = undefined;
    this.frames(head.slice(end + 4));
    return head.slice(0, end).toLowerCase();
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
