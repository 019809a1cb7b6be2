import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { NotifierConfig, VapidKeys } from '@app/config';
import {
  NotificationRepository,
  PushClaim,
  PushDeliveryRepository,
  PushSubscriptionRepository,
} from '@app/persistence';
import { IngestLeadership } from '../ingest/ingest-leadership';
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

  private async pushAll(vapid: VapidKeys, claims: PushClaim[]): Promise<void> {
    const ids = [...new Set(claims.map((claim) => claim.notificationId))].map(BigInt);
    const bodies = new Map(
      (await this.log.findLogRows(ids)).map((row) => [row.id, pushBody(row)] as const),
    );
    const queue = [...claims];
    const worker = async () => {
      for (let claim = queue.shift(); claim; claim = queue.shift()) {
        await this.push(vapid, claim, bodies.get(claim.notificationId));
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
  }

  private async push(vapid: VapidKeys, claim: PushClaim, body: string | undefined): Promise<void> {
    try {
      const outcome = await this.attempt(vapid, claim, body);
      await this.settle(claim, outcome);
    } catch (error) {
      // Left `sending`, the claim expires into `failed`: never a second send.
      this.logger.error(
        `Recording push ${claim.notificationId} → ${claim.subscriptionId} failed: ${(error as Error).message}`,
      );
    }
  }

  private attempt(
    vapid: VapidKeys,
    claim: PushClaim,
    body: string | undefined,
  ): Promise<PushOutcome> {
    if (body === undefined) {
      return Promise.resolve({ kind: 'failed', reason: 'the notification was deleted' });
    }
    // Checked again at every send: the allowed hosts may have narrowed since the browser
    // subscribed, and rows stored by an earlier version may not pass today's policy.
    const endpoint = PushEndpoint.check(claim.endpoint, this.config.push.endpointHosts);
    if (!(endpoint instanceof PushEndpoint)) {
      return Promise.resolve({ kind: 'failed', reason: `endpoint refused: ${endpoint}` });
    }
    return this.sender.send(
      vapid,
      {
        endpoint,
        p256dh: claim.p256dh,
        auth: claim.auth,
        topic: claim.notificationId,
      },
      body,
    );
  }

  private async settle(claim: PushClaim, outcome: PushOutcome): Promise<void> {
    switch (outcome.kind) {
      case 'sent':
        await this.deliveries.markSent(claim);
        this.metrics.pushesSent.inc();
        this.metrics.pushLatency.observe((Date.now() - Date.parse(claim.storedAt)) / 1000);
        return;
      case 'gone':
        await this.subscriptions.removeById(BigInt(claim.subscriptionId));
        this.metrics.pushesFailed.inc({ next: 'subscription-removed' });
        this.metrics.pushSubscriptionsRemoved.inc();
        this.logger.log(`Removed push subscription ${claim.subscriptionId}: ${outcome.reason}`);
        return;
      case 'retry': {
        const at = retryAt(claim, outcome.retryAfterMs);
        if (at === undefined) return this.fail(claim, `${outcome.reason}; gave up after an hour`);
        await this.deliveries.scheduleRetry(claim, at, outcome.reason);
        this.metrics.pushesFailed.inc({ next: 'retry' });
        return;
      }
      case 'failed':
        return this.fail(claim, outcome.reason);
    }
  }

  private async fail(claim: PushClaim, reason: string): Promise<void> {
    await this.deliveries.markFailed(claim, reason);
    this.metrics.pushesFailed.inc({ next: 'none' });
    this.logger.warn(`Push ${claim.notificationId} → ${claim.subscriptionId} failed: ${reason}`);
  }
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
