/**
 * The `text/event-stream` format read as EventSource reads it (WHATWG HTML, "Server-sent
 * events", 9.2.6 "Interpreting an event stream"), for a stream read with `fetch`.
 */

/** One dispatched event: what EventSource's MessageEvent would carry. */
export interface EventStreamMessage {
  /** The `event:` field, or `message` without one. */
  type: string;
  /** The `data:` lines joined with LF. */
  data: string;
  /** The last event ID string when it was dispatched ('' for none). */
  lastEventId: string;
}

export interface EventStreamHandler {
  message(message: EventStreamMessage): void;
  /** A `retry:` field: the reconnection time, in milliseconds. */
  retry(milliseconds: number): void;
}

const LINE_END = /[\r\n]/g;
const DIGITS = /^[0-9]+$/;

/**
 * Parses one connection's bytes. Chunks may split anything, a UTF-8 sequence or a CRLF too;
 * `end()` drops an event that no blank line ended, as the format requires.
 */
export class EventStreamParser {
  /** UTF-8, dropping one leading byte order mark, as the format's decoding step does. */
  private readonly decoder = new TextDecoder();
  /** The start of a line whose end has not arrived yet. */
  private partialLine = '';
  /** The last chunk ended with CR: an LF first in the next one ends no second line. */
  private afterCarriageReturn = false;
  private data = '';
  private type = '';
  private lastEventIdBuffer = '';
  /** The last event ID string: set at each dispatch, also by a block without data. */
  lastEventId = '';

  constructor(private readonly handler: EventStreamHandler) {}

  push(chunk: Uint8Array): void {
    this.feed(this.decoder.decode(chunk, { stream: true }));
  }

  /** The end of the stream: whatever no blank line ended is discarded. */
  end(): void {
    this.decoder.decode();
    this.partialLine = '';
    this.data = '';
    this.type = '';
  }

  private feed(text: string): void {
    let start = 0;
    if (this.afterCarriageReturn && text.length > 0) {
      this.afterCarriageReturn = false;
      if (text[0] === '\n') start = 1;
    }
    LINE_END.lastIndex = start;
    for (let match = LINE_END.exec(text); match !== null; match = LINE_END.exec(text)) {
      const end = match.index;
      this.line(this.partialLine + text.slice(start, end));
      this.partialLine = '';
      start = end + 1;
      if (text[end] === '\r') {
        if (start === text.length) this.afterCarriageReturn = true;
        else if (text[start] === '\n') start++;
      }
      LINE_END.lastIndex = start;
    }
    this.partialLine += text.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    if (colon === -1) return this.field(line, '');
    const value = line.slice(colon + 1);
    this.field(line.slice(0, colon), value.startsWith(' ') ? value.slice(1) : value);
  }

  private field(name: string, value: string): void {
    switch (name) {
      case 'event':
        this.type = value;
        return;
      case 'data':
        this.data += `${value}\n`;
        return;
      case 'id':
        if (!value.includes('\0')) this.lastEventIdBuffer = value;
        return;
      case 'retry':
        if (DIGITS.test(value)) this.handler.retry(Number.parseInt(value, 10));
        return;
    }
  }

  private dispatch(): void {
    this.lastEventId = this.lastEventIdBuffer;
    const { data, type } = this;
    this.data = '';
    this.type = '';
    if (data === '') return;
    this.handler.message({
      type: type === '' ? 'message' : type,
      data: data.slice(0, -1),
      lastEventId: this.lastEventId,
    });
  }
}
