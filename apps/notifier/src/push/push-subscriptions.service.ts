import { BadRequestException, Injectable, NotFoundException } from '@nestjs/common';
import { NotifierConfig, VapidKeys } from '@app/config';
import { PushSubscriptionRepository } from '@app/persistence';
import { EndpointRefusal, PushEndpoint } from './push-endpoint-policy';
import {
  PushSubscriptionDto,
  PushSubscriptionViewDto,
  VapidPublicKeyDto,
} from './push-subscription.dto';

/** A user's subscriptions beyond this replace their oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 20;

const ENDPOINT_PROBLEMS: Record<EndpointRefusal, string> = {
  'too-long': 'endpoint must be at most 1000 characters',
  'not-a-url': 'endpoint must be a URL',
  'not-https': 'endpoint must be an https: URL',
  'not-canonical':
    'endpoint must be written in its canonical URL form, as the browser gives it (lower-case host, no default port, nothing escaped or stripped when parsed)',
  'host-not-plain':
    'endpoint must be on a push service host named in plain a-z, 0-9, "." and "-" (no IP address)',
  'host-not-allowed': 'endpoint must be on a push service host that PUSH_ENDPOINT_HOSTS allows',
};

@Injectable()
export class PushSubscriptionsService {
  private readonly vapid?: VapidKeys;

  constructor(
    private readonly config: NotifierConfig,
    private readonly subscriptions: PushSubscriptionRepository,
  ) {
    this.vapid = config.push.vapid;
  }

  publicKey(): VapidPublicKeyDto {
    return { publicKey: this.enabledKeys().publicKey };
  }

  async subscribe(userId: string, { endpoint, keys }: PushSubscriptionDto): Promise<void> {
    this.enabledKeys();
    const checked = PushEndpoint.check(endpoint, this.config.push.endpointHosts);
    if (!(checked instanceof PushEndpoint)) {
      throw new BadRequestException([ENDPOINT_PROBLEMS[checked]]);
    }
    await this.subscriptions.save(
      {
        userId,
        endpoint: checked.href,
        // Stored without padding, whichever form the browser sent.
        p256dh: Buffer.from(keys.p256dh, 'base64url').toString('base64url'),
        auth: Buffer.from(keys.auth, 'base64url').toString('base64url'),
      },
      MAX_SUBSCRIPTIONS_PER_USER,
    );
  }

  /** Idempotent: an endpoint the user does not have is already unsubscribed. */
  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    await this.subscriptions.remove(userId, endpoint);
  }

  async list(userId: string): Promise<PushSubscriptionViewDto[]> {
    const rows = await this.subscriptions.listForUser(userId);
    return rows.map(({ endpoint, createdAt }) => ({ endpoint, createdAt }));
  }

  private enabledKeys(): VapidKeys {
    if (!this.vapid) {
      throw new NotFoundException('Web Push is off on this service: VAPID keys are not configured');
    }
    return this.vapid;
  }
}
