import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'node:https';
import { sendNotification, WebPushError } from 'web-push';
import { VapidKeys } from '@app/config';

/** What a push service's answer means for the claim. */
export type PushOutcome =
  | { kind: 'sent' }
  /** 404 or 410: the subscription expired or was revoked. */
  | { kind: 'gone'; reason: string }
  /** 429, 5xx or no answer: try again, not before `retryAfterMs` when the service said so. */
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  /** Any other answer (3xx included: redirects are never followed), which a retry cannot fix. */
  | { kind: 'failed'; reason: string };

/** How long a push service may take to answer, per socket inactivity. */
const SOCKET_TIMEOUT_MS = 10_000;
/** Kept by the push service while the device is offline. */
const TTL_SECONDS = 24 * 60 * 60;

/**
 * Sends one encrypted push (RFC 8291 aes128gcm, RFC 8292 VAPID) through the `web-push`
 * package. It sends with `https.request`, which never follows redirects: a 3xx comes back as
 * an error here, so a push service cannot bounce the request to another host.
 */
@Injectable()
export class PushSender implements OnApplicationShutdown {
  /** Reuses connections to each push service. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  async send(
    vapid: VapidKeys,
    target: { endpoint: string; p256dh: string; auth: string; topic: string },
    body: string,
  ): Promise<PushOutcome> {
    try {
      await sendNotification(
        { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
        body,
        {
          vapidDetails: vapid,
          TTL: TTL_SECONDS,
          // One topic per notification: a push service that still holds an earlier try of it
          // replaces that try instead of delivering both.
          topic: target.topic,
          timeout: SOCKET_TIMEOUT_MS,
          agent: this.agent,
        },
      );
      return { kind: 'sent' };
    } catch (error) {
      return outcomeOf(error);
    }
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }
}

function outcomeOf(error: unknown): PushOutcome {
  if (!(error instanceof WebPushError)) {
    return { kind: 'retry', reason: `no answer: ${(error as Error)?.message ?? String(error)}` };
  }
  const status = error.statusCode;
  const reason = `push service answered ${status}`;
  if (status === 404 || status === 410) return { kind: 'gone', reason };
  if (status === 429 || status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: retryAfterMs(error.headers['retry-after']) };
  }
  return { kind: 'failed', reason };
}

/** `Retry-After`: seconds, or an HTTP date. */
export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
