import { currentToken, type TokenSource } from './access-token.js';
import { type EventStreamMessage, EventStreamParser } from './event-stream-parser.js';
import type { ClosedReason, Notification, ReadChange, ResetNotice } from './notification.js';
import { DEFAULT_RETRY_MS, reconnectDelay } from './reconnect-delay.js';
import { reportError } from './runtime.js';

export interface StreamListener {
  /**
   * The stream answered 200; its events are read once the returned promise resolves (if it
   * rejects, the stream reconnects). `live`: it was opened without a resume point, so what
   * was appended while it opened is not on it.
   */
  opened(live: boolean): Promise<void>;
  notification(notification: Notification): void;
  read(change: ReadChange): void;
  reset(notice: ResetNotice): void;
  /** `connecting` while it (re)connects, `open` once a stream answered 200. */
  status(status: 'connecting' | 'open'): void;
  /** Stopped for good, as EventSource stops: it will not come back. */
  refused(reason: ClosedReason): void;
}

/** How one connection ended: the server ended it, it failed, or it was refused for good. */
type Outcome = 'ended' | 'failed' | { refused: ClosedReason };

/**
 * `/users/me/events`, read with `fetch` so that the token travels in the Authorization header
 * and never in a URL, where proxies and access logs would keep it. It reconnects as EventSource
 * does, with a few differences: the token provider is asked before every connection, the
 * resume point goes in `Last-Event-ID` every time, and network errors and 5xx answers back off
 * (see reconnectDelay) instead of retrying at the same pace. Open while `abort` is set.
 */
export class NotificationStream {
  private abort?: AbortController;
  /** The server's `retry:`, kept across connections as EventSource keeps it. */
  private retryMs = DEFAULT_RETRY_MS;
  /** Connections in a row that failed before answering 200. */
  private failures = 0;

  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource,
    private readonly listener: StreamListener,
  ) {}

  /** Follows the stream; every connection resumes after `resumePoint()`, or starts live. */
  open(resumePoint: () => string | undefined): void {
    if (this.abort) return;
    this.abort = new AbortController();
    void this.follow(resumePoint, this.abort.signal);
  }

  close(): void {
    this.abort?.abort();
    this.abort = undefined;
  }

  private async follow(resumePoint: () => string | undefined, signal: AbortSignal): Promise<void> {
    for (;;) {
      this.listener.status('connecting');
      const outcome = await this.connect(resumePoint(), signal);
      if (signal.aborted) return;
      if (typeof outcome === 'object') {
        this.close();
        return this.listener.refused(outcome.refused);
      }
      if (outcome === 'failed') this.failures++;
      if (!(await sleep(reconnectDelay(this.retryMs, this.failures), signal))) return;
    }
  }

  private async connect(resumeFrom: string | undefined, signal: AbortSignal): Promise<Outcome> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/users/me/events`, {
        headers: await this.headers(resumeFrom),
        signal,
      });
    } catch {
      // The network, or the token provider: EventSource too only says it is reconnecting.
      return 'failed';
    }
    const refusal = outcomeOf(response);
    if (refusal) {
      await discard(response);
      return refusal;
    }
    this.failures = 0;
    this.listener.status('open');
    try {
      await this.listener.opened(resumeFrom === undefined);
      await this.read(response, signal);
      return 'ended';
    } catch {
      await discard(response);
      return 'failed';
    }
  }

  private async headers(resumeFrom: string | undefined): Promise<Record<string, string>> {
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      Authorization: `Bearer ${await currentToken(this.token)}`,
    };
    if (resumeFrom !== undefined) headers['Last-Event-ID'] = resumeFrom;
    return headers;
  }

  private async read(response: Response, signal: AbortSignal): Promise<void> {
    if (!response.body) return;
    const parser = new EventStreamParser({
      message: (message) => this.dispatch(message),
      retry: (milliseconds) => (this.retryMs = milliseconds),
    });
    const reader = response.body.getReader();
    try {
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
        if (signal.aborted) return;
        parser.push(chunk.value);
      }
    } finally {
      parser.end();
      reader.releaseLock();
    }
  }

  /** A frame that is not JSON is reported and skipped: EventSource, too, would go on. */
  private dispatch({ type, data }: EventStreamMessage): void {
    try {
      if (type === 'message') this.listener.notification(JSON.parse(data) as Notification);
      else if (type === 'read') this.listener.read(JSON.parse(data) as ReadChange);
      else if (type === 'reset') this.listener.reset(JSON.parse(data) as ResetNotice);
    } catch (error) {
      reportError(error);
    }
  }
}

/**
 * Undefined for an event stream. EventSource gives up on any other answer; this client gives up
 * on those a retry cannot change, and retries 5xx, 408 and 429 (an edge's or a restart's).
 */
function outcomeOf(response: Response): Outcome | undefined {
  const { status } = response;
  const type = response.headers.get('Content-Type') ?? '';
  if (status === 200 && /^text\/event-stream\b/i.test(type)) return undefined;
  if (status === 401) return { refused: 'unauthorized' };
  if (status === 404) return { refused: 'stream-closed' };
  if (status >= 500 || status === 408 || status === 429) return 'failed';
  return { refused: 'refused' };
}

/** Lets the connection go; a body that cannot be cancelled any more is gone already. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** Waits `milliseconds`; false when `signal` aborted first. */
function sleep(milliseconds: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const done = (waited: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(waited);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), milliseconds);
    signal.addEventListener('abort', onAbort);
  });
}
