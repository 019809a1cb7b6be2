/**
 * Server-Sent Events framing (WHATWG HTML, "9.2 Server-sent events").
 * Every field value is cut at CR, LF and CRLF so that no byte of user data can end a line
 * early and forge a field or an event of its own.
 */

export interface SseEvent {
  /** Sets the client's resume point; only log ids may ever be sent here. */
  id?: string;
  /** Omitted for the default event type, which `EventSource.onmessage` receives. */
  event?: string;
  data: string;
}

const LINE_BREAK = /\r\n|\r|\n/;

/** As the contract states them; SSE is UTF-8 by definition, and Node sets `Connection` itself. */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
};

export function encodeEvent({ id, event, data }: SseEvent): string {
  let frame = '';
  if (id !== undefined) frame += `id: ${singleLine(id)}\n`;
  if (event !== undefined) frame += `event: ${singleLine(event)}\n`;
  for (const line of data.split(LINE_BREAK)) frame += `data: ${line}\n`;
  return `${frame}\n`;
}

export function encodeComment(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((line) => `: ${line}\n`)
    .join('')
    .concat('\n');
}

export function encodeRetry(milliseconds: number): string {
  if (!Number.isSafeInteger(milliseconds) || milliseconds < 0) {
    throw new RangeError(`retry must be a non-negative integer, got ${milliseconds}`);
  }
  return `retry: ${milliseconds}\n\n`;
}

/** An id or event name cannot span lines; a NUL in an id makes browsers ignore it. */
function singleLine(value: string): string {
  if (LINE_BREAK.test(value) || value.includes('\0')) {
    throw new RangeError('SSE id and event fields must be one line without NUL');
  }
  return value;
}
