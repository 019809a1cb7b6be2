import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, request } from 'node:https';
import { generateRequestDetails } from 'web-push';
import { VapidKeys } from '@app/config';
import { PushEndpoint } from './push-endpoint-policy';

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

interface PushAnswer {
  status: number;
  headers: IncomingHttpHeaders;
}

/**
 * Sends one encrypted push (RFC 8291 aes128gcm, RFC 8292 VAPID). The `web-push` package makes
 * the request (encryption, VAPID, headers); it is sent here, to the URL the endpoint policy
 * parsed and checked, because `web-push` would parse the endpoint's text again with Node's
 * legacy `url.parse`. `https.request` never follows redirects: a 3xx is a failure, so a push
 * service cannot bounce the request to another host.
 */
@Injectable()
export class PushSender implements OnApplicationShutdown {
  /** Reuses connections to each push service. */
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });

  async send(
    vapid: VapidKeys,
    target: { endpoint: PushEndpoint; p256dh: string; auth: string; topic: string },
    body: string,
  ): Promise<PushOutcome> {
    try {
      const details = generateRequestDetails(
        { endpoint: target.endpoint.href, keys: { p256dh: target.p256dh, auth: target.auth } },
        body,
        {
          vapidDetails: vapid,
          TTL: TTL_SECONDS,
          // One topic per push (its burst's first notification): a push service that still
          // holds an earlier try of it replaces that try instead of delivering both.
          topic: target.topic,
        },
      );
      return outcomeOf(await this.post(target.endpoint.url, details.headers, details.body));
    } catch (error) {
      return { kind: 'retry', reason: `no answer: ${(error as Error).message}` };
    }
  }

  onApplicationShutdown(): void {
    this.agent.destroy();
  }

  private post(url: URL, headers: Record<string, unknown>, body: Buffer): Promise<PushAnswer> {
    return new Promise((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          headers: headers as Record<string, string>,
          agent: this.agent,
          timeout: SOCKET_TIMEOUT_MS,
        },
        (response) => {
          // The answer's body says nothing the status does not; it is read to free the socket.
          response.resume();
          response.on('error', reject);
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers }),
          );
        },
      );
      outgoing.on('timeout', () => outgoing.destroy(new Error('socket timeout')));
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function outcomeOf({ status, headers }: PushAnswer): PushOutcome {
  if (status >= 200 && status <= 299) return { kind: 'sent' };
  const reason = `push service answered ${status}`;
  if (status === 404 || status === 410) return { kind: 'gone', reason };
  if (status === 429 || status >= 500) {
    return { kind: 'retry', reason, retryAfterMs: retryAfterMs(headers['retry-after']) };
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
