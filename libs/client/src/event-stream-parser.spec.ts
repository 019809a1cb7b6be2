import {
  aheadOfLogFrame,
  historyTruncatedFrame,
  readFrame,
  toLogEvent,
} from '../../../apps/notifier/src/stream/notification-frame.js';
import { encodeComment, encodeEvent, encodeRetry } from '../../sse/src/index.js';
import { EventStreamMessage, EventStreamParser } from './event-stream-parser.js';

/** What a parser made of `chunks`, each given as a string or as bytes. */
function parse(...chunks: (string | Uint8Array)[]) {
  const messages: EventStreamMessage[] = [];
  const retries: number[] = [];
  const parser = new EventStreamParser({
    message: (message) => messages.push(message),
    retry: (milliseconds) => retries.push(milliseconds),
  });
  const encoder = new TextEncoder();
  for (const chunk of chunks)
    parser.push(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
  parser.end();
  return { messages, retries, lastEventId: parser.lastEventId };
}

/** The same bytes cut into chunks of `size` bytes: a network may cut anywhere. */
function inChunksOf(size: number, text: string): Uint8Array[] {
  const bytes = new TextEncoder().encode(text);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < bytes.length; start += size) {
    chunks.push(bytes.subarray(start, start + size));
  }
  return chunks;
}

const message = (data: string, lastEventId = '', type = 'message') => ({ type, data, lastEventId });

describe('EventStreamParser, with the examples of the WHATWG event-stream section', () => {
  it('joins the data lines of one event with LF', () => {
    expect(parse('data: YHOO\ndata: +2\ndata: 10\n\n').messages).toEqual([message('YHOO\n+2\n10')]);
  });

  it('ignores comments, sets and clears the last event id, and keeps a second leading space', () => {
    const stream =
      ': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n';
    expect(parse(stream).messages).toEqual([
      message('first event', '1'),
      message('second event', ''),
      message(' third event', ''),
    ]);
  });

  it('dispatches empty data and a lone newline, and drops a last event without its blank line', () => {
    expect(parse('data\n\ndata\ndata\n\ndata:').messages).toEqual([message(''), message('\n')]);
  });

  it('reads "data:test" and "data: test" alike', () => {
    expect(parse('data:test\n\ndata: test\n\n').messages).toEqual([
      message('test'),
      message('test'),
    ]);
  });

  it('names events with the event field, for that event only', () => {
    expect(parse('event: add\ndata: 73857293\n\ndata: 113411\n\n').messages).toEqual([
      message('73857293', '', 'add'),
      message('113411'),
    ]);
  });
});

describe('EventStreamParser, the rest of the rules', () => {
  it('ends lines at CRLF, LF and CR alike', () => {
    expect(parse('data: a\r\ndata: b\rdata: c\n\r\n').messages).toEqual([message('a\nb\nc')]);
  });

  it('reads a CRLF split across two chunks as one line end', () => {
    expect(parse('data: a\r', '\ndata: b\r', '\n\r', '\n').messages).toEqual([message('a\nb')]);
  });

  it('reads a CR at the end of a chunk as a line end before the next chunk arrives', () => {
    expect(parse('data: a\r', 'data: b\r\r').messages).toEqual([message('a\nb')]);
  });

  it('drops one leading byte order mark, and only one', () => {
    const bom = Uint8Array.of(0xef, 0xbb, 0xbf);
    expect(parse(bom, 'data: a\n\n').messages).toEqual([message('a')]);
    // A second one makes the first line's field name "\uFEFFdata": an unknown field.
    expect(parse(bom, bom, 'data: a\n\ndata: b\n\n').messages).toEqual([message('b')]);
  });

  it('decodes UTF-8 that a chunk boundary cut in the middle of a character', () => {
    const text = 'data: {"text":"café ✓ 🚀"}\n\n';
    expect(parse(...inChunksOf(1, text)).messages).toEqual([message('{"text":"café ✓ 🚀"}')]);
  });

  it('ignores an id that contains NUL, keeping the one before', () => {
    expect(parse('id: 7\ndata: a\n\nid: 8\0\ndata: b\n\n').messages).toEqual([
      message('a', '7'),
      message('b', '7'),
    ]);
  });

  it('keeps the last event id across events without one, and takes it from a block without data', () => {
    const { messages, lastEventId } = parse('id: 3\ndata: a\n\ndata: b\n\nid: 4\n\n');
    expect(messages).toEqual([message('a', '3'), message('b', '3')]);
    expect(lastEventId).toBe('4');
  });

  it('takes retry only when it is all ASCII digits', () => {
    expect(parse('retry: 2500\n\nretry: 1e3\nretry: -1\nretry: 10 \nretry\n\n').retries).toEqual([
      2500,
    ]);
  });

  it('ignores unknown fields and a field name with a trailing space', () => {
    expect(parse('foo: bar\ndata : x\ndata: y\n\n').messages).toEqual([message('y')]);
  });

  it('keeps a colon in a value, splitting only at the first', () => {
    expect(parse('data: a: b\n\n').messages).toEqual([message('a: b')]);
  });

  it('drops an event the stream ended in the middle of, its id too', () => {
    const { messages, lastEventId } = parse('id: 1\ndata: a\n\nid: 2\ndata: b\n');
    expect(messages).toEqual([message('a', '1')]);
    expect(lastEventId).toBe('1');
  });
});

describe('EventStreamParser on the bytes the service writes', () => {
  const row = {
    id: '9007199254740993',
    userId: 'alice',
    type: 'order.shipped',
    payload: '{"text": "line one\\nline two\\r\\n", "n": 1}',
    createdAt: '2026-11-21T10:00:00.123Z',
    readAt: null,
    deliveredAt: null,
  };
  const wire = [
    encodeRetry(3000),
    toLogEvent(row).frame.toString(),
    encodeComment('ping'),
    readFrame({ ids: ['9007199254740993'] }).toString(),
    historyTruncatedFrame(12n).toString(),
    aheadOfLogFrame(9007199254740993n).toString(),
    readFrame({ upTo: '9007199254740993' }).toString(),
  ].join('');

  it.each([1, 2, 3, 7, wire.length])('reads the same events in chunks of %p bytes', (size) => {
    const { messages, retries, lastEventId } = parse(...inChunksOf(size, wire));
    expect(retries).toEqual([3000]);
    expect(messages.map(({ type, lastEventId: id }) => [type, id])).toEqual([
      ['message', '9007199254740993'],
      ['read', '9007199254740993'],
      ['reset', '9007199254740993'],
      ['reset', '9007199254740993'],
      ['read', '9007199254740993'],
    ]);
    expect(JSON.parse(messages[0].data)).toEqual({
      id: '9007199254740993',
      type: 'order.shipped',
      payload: { text: 'line one\nline two\r\n', n: 1 },
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
    });
    expect(messages.slice(1).map(({ data }) => JSON.parse(data) as unknown)).toEqual([
      { ids: ['9007199254740993'] },
      { reason: 'history-truncated', oldestId: '12' },
      { reason: 'ahead-of-log', newestId: '9007199254740993' },
      { upTo: '9007199254740993' },
    ]);
    expect(lastEventId).toBe('9007199254740993');
  });

  it('reads data that the service split at its line breaks back joined with LF', () => {
    const frame = encodeEvent({ id: '5', data: 'one\r\ntwo\rthree\nfour' });
    expect(parse(frame).messages).toEqual([message('one\ntwo\nthree\nfour', '5')]);
  });
});
