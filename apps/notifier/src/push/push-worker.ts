import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { NotifierConfig, VapidKeys } from '@app/config';
import {
  LogRow,
  NotificationRepository,
  PushClaim,
  PushDeliveryRepository,
  PushSubscriptionRepository,
} from '@app/persistence';
import { IngestLeadership } from '../leadership/ingest-leadership';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { PushEndpoint } from './push-endpoint-policy';
import { pushBody } from './push-message';
import { PushOutcome, PushSender } from './push-sender';

/** How often the leader looks for due notifications and retries (sooner when one is due). */
const POLL_MS = 1_000;
/** Log rows looked at per claim. */
const SCAN_PAGE = 200;
/** A claim unanswered this long was cut off by a dying sender: it fails, it is never resent. */
const LEASE_MS = 5 * 60_000;
/** Retries stop this long after the first try; older notifications are not pushed at all. */
const GIVE_UP_MS = 60 * 60_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 10 * 60_000;
/** Pushes in flight at once. */
const CONCURRENCY = 16;

/**
 * Pushes what no stream was sent: on the ingest leader only, so one sender per database. Each
 * claim is committed before its push leaves (see PushDeliveryRepository), so a leader change
 * never sends a notification to a subscription twice.
 */
@Injectable()
export class PushWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PushWorker.name);
  private readonly vapid?: VapidKeys;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly config: NotifierConfig,
    private readonly leadership: IngestLeadership,
    private readonly deliveries: PushDeliveryRepository,
    private readonly subscriptions: PushSubscriptionRepository,
    private readonly log: NotificationRepository,
    private readonly sender: PushSender,
    private readonly metrics: NotifierMetrics,
  ) {
    this.vapid = config.push.vapid;
  }

  onApplicationBootstrap(): void {
    if (!this.vapid) {
      this.logger.log('Web Push is off: set VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY and VAPID_SUBJECT');
      return;
    }
    if (this.config.push.generatedVapidKeys) {
      this.logger.warn(
        'VAPID keys were made up for this run: browsers subscribed now stop receiving pushes after a restart',
      );
    }
    this.schedule(POLL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.tick().then(
        (next) => this.schedule(next),
        (error: Error) => {
          this.logger.error(`Pushing failed: ${error.message}`);
          this.schedule(POLL_MS);
        },
      );
    }, delayMs);
  }

  /** One round; returns how long to wait for the next. */
  private async tick(): Promise<number> {
    const vapid = this.vapid;
    if (!vapid || !this.leadership.isLeader) return POLL_MS;
    const { claims, nextDueAt, more } = await this.deliveries.claimDue({
      delayMs: this.config.push.delayMs,
      maxAgeMs: GIVE_UP_MS,
      leaseMs: LEASE_MS,
      limit: SCAN_PAGE,
    });
    if (claims.length > 0) await this.pushAll(vapid, claims);
    if (more) return 0;
    if (nextDueAt === null) return POLL_MS;
    return Math.min(POLL_MS, Math.max(0, Date.parse(nextDueAt) - Date.now()));
  }

  /** One push per subscription, for all of its claims: the newest notification stands for them. */
  private async pushAll(vapid: VapidKeys, claims: PushClaim[]): Promise<void> {
    const ids = [...new Set(claims.map((claim) => claim.notificationId))].map(BigInt);
    const rows = new Map((await this.log.findLogRows(ids)).map((row) => [row.id, row] as const));
    const queue = [...groupBySubscription(claims).values()];
    const worker = async () => {
      for (let burst = queue.shift(); burst; burst = queue.shift()) {
        await this.push(vapid, burst, rows);
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }

  private async push(
    vapid: VapidKeys,
    burst: PushClaim[],
    rows: ReadonlyMap<string, LogRow>,
  ): Promise<void> {
    try {
      const outcome = await this.attempt(vapid, burst, rows);
      await this.settle(burst, outcome);
    } catch (error) {
      // Left `sending`, the claims expire into `failed`: never a second send.
      this.logger.error(`Recording push ${burstName(burst)} failed: ${(error as Error).message}`);
    }
  }

  private attempt(
    vapid: VapidKeys,
    burst: PushClaim[],
    rows: ReadonlyMap<string, LogRow>,
  ): Promise<PushOutcome> {
    // In id order: the last one still in the log is the newest.
    const present = burst.flatMap((claim) => rows.get(claim.notificationId) ?? []);
    const newest = present.at(-1);
    if (!newest) {
      return Promise.resolve({ kind: 'failed', reason: 'the notifications were deleted' });
    }
    const [{ endpoint: url, p256dh, auth }] = burst;
    // Checked again at every send: the allowed hosts may have narrowed since the browser
    // subscribed, and rows stored by an earlier version may not pass today's policy.
    const endpoint = PushEndpoint.check(url, this.config.push.endpointHosts);
    if (!(endpoint instanceof PushEndpoint)) {
      return Promise.resolve({ kind: 'failed', reason: `endpoint refused: ${endpoint}` });
    }
    return this.sender.send(
      vapid,
      // The burst's first notification names it: a retry replaces an earlier try still held.
      { endpoint, p256dh, auth, topic: burst[0].notificationId },
      pushBody(newest, present.length),
    );
  }

  private async settle(burst: PushClaim[], outcome: PushOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'sent': {
        await this.deliveries.markSent(burst);
        this.metrics.pushesSent.inc();
        const now = Date.now();
        for (const claim of burst) {
          this.metrics.pushLatency.observe((now - Date.parse(claim.storedAt)) / 1000);
        }
        return;
      }
      case 'gone':
        await this.subscriptions.removeById(BigInt(burst[0].subscriptionId));
        this.metrics.pushesFailed.inc({ next: 'subscription-removed' });
        this.metrics.pushSubscriptionsRemoved.inc();
        this.logger.log(`Removed push subscription ${burst[0].subscriptionId}: ${outcome.reason}`);
        return;
      case 'retry': {
        const at = retryAt(burstAttempts(burst), outcome.retryAfterMs);
        if (at === undefined) return this.fail(burst, `${outcome.reason}; gave up after an hour`);
        await this.deliveries.scheduleRetry(burst, at, outcome.reason);
        this.metrics.pushesFailed.inc({ next: 'retry' });
        return;
      }
      case 'failed':
        return this.fail(burst, outcome.reason);
    }
  }

  private async fail(burst: PushClaim[], reason: string): Promise<void> {
    await this.deliveries.markFailed(burst, reason);
    this.metrics.pushesFailed.inc({ next: 'none' });
    this.logger.warn(`Push ${burstName(burst)} failed: ${reason}`);
  }
}

/** Claims by subscription, each subscription's in notification id order. */
function groupBySubscription(claims: PushClaim[]): Map<string, PushClaim[]> {
  const bursts = new Map<string, PushClaim[]>();
  const byId = (a: PushClaim, b: PushClaim) =>
    BigInt(a.notificationId) < BigInt(b.notificationId) ? -1 : 1;
  for (const claim of [...claims].sort(byId)) {
    const burst = bursts.get(claim.subscriptionId);
    if (burst) burst.push(claim);
    else bursts.set(claim.subscriptionId, [claim]);
  }
  return bursts;
}

/** A burst is tried as often as its most tried claim, and gives up an hour after its first. */
function burstAttempts(burst: PushClaim[]): Pick<PushClaim, 'attempts' | 'firstClaimedAt'> {
  return {
    attempts: Math.max(...burst.map((claim) => claim.attempts)),
    firstClaimedAt: burst
      .map((claim) => claim.firstClaimedAt)
      .reduce((first, at) => (Date.parse(at) < Date.parse(first) ? at : first)),
  };
}

function burstName(burst: PushClaim[]): string {
  const ids = burst.map((claim) => claim.notificationId).join(',');
  return `${ids} → ${burst[0].subscriptionId}`;
}

/** Exponential backoff with jitter, or later when the push service asks; none past the hour. */
export function retryAt(
  claim: Pick<PushClaim, 'attempts' | 'firstClaimedAt'>,
  retryAfterMs: number | undefined,
  now = Date.now(),
): Date | undefined {
  const backoff = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (claim.attempts - 1));
  const wait = Math.max(backoff * (0.8 + Math.random() * 0.4), retryAfterMs ?? 0);
  const at = now + wait;
  return at > Date.parse(claim.firstClaimedAt) + GIVE_UP_MS ? undefined : new Date(at);
}
