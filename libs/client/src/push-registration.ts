/**
 * Web Push for this browser: a service worker, the user's permission, a subscription made with
 * the service's VAPID key, and that subscription registered with the service. The browser
 * types are described structurally (see runtime.ts), so this compiles for Node too.
 */
import type { components } from './openapi-schema.js';
import { NotifierApiError, ServiceApi } from './service-api.js';

/** What `PushSubscription.toJSON()` gives, as the service takes it. */
type PushSubscriptionJson = components['schemas']['PushSubscriptionDto'];

interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options?: { applicationServerKey?: ArrayBuffer | null };
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}

interface PushManagerLike {
  getSubscription(): Promise<PushSubscriptionLike | null>;
  subscribe(options: {
    userVisibleOnly: boolean;
    applicationServerKey: Uint8Array;
  }): Promise<PushSubscriptionLike>;
}

interface ServiceWorkerRegistrationLike {
  readonly pushManager: PushManagerLike;
}

interface PushGlobals {
  navigator?: {
    serviceWorker?: {
      register(url: string, options?: { scope?: string }): Promise<ServiceWorkerRegistrationLike>;
      getRegistration(url?: string): Promise<ServiceWorkerRegistrationLike | undefined>;
    };
  };
  PushManager?: unknown;
  Notification?: { permission: string; requestPermission(): Promise<string> };
}

const browser = globalThis as unknown as PushGlobals;

/** The page's service worker: shows pushes as system notifications (see apps/notifier/src/web). */
export const SERVICE_WORKER_URL = '/sw.js';

/** Why push could not be turned on: the browser lacks it, or the user said no. */
export class PushUnavailableError extends Error {
  constructor(readonly reason: 'unsupported' | 'denied' | 'off-on-server') {
    super(
      reason === 'unsupported'
        ? 'This browser has no Web Push (service workers, PushManager and notifications)'
        : reason === 'denied'
          ? 'Notifications are not allowed for this site'
          : 'The service has Web Push turned off',
    );
  }
}

export class PushRegistration {
  constructor(private readonly api: ServiceApi) {}

  /** Whether this browser could do Web Push at all. */
  static get supported(): boolean {
    return Boolean(browser.navigator?.serviceWorker && browser.PushManager && browser.Notification);
  }

  /** Asks for permission, subscribes with the service's key and registers the subscription. */
  async enable(serviceWorkerUrl = SERVICE_WORKER_URL): Promise<void> {
    const { serviceWorker } = browser.navigator ?? {};
    if (!serviceWorker || !browser.PushManager || !browser.Notification) {
      throw new PushUnavailableError('unsupported');
    }
    if ((await browser.Notification.requestPermission()) !== 'granted') {
      throw new PushUnavailableError('denied');
    }
    const registration = await serviceWorker.register(serviceWorkerUrl);
    const key = await this.publicKey();
    let subscription = await registration.pushManager.getSubscription();
    // A subscription made with another key (the service's keys changed) cannot be pushed to.
    if (subscription && !sameBytes(subscription.options?.applicationServerKey, key)) {
      await subscription.unsubscribe();
      subscription = null;
    }
    subscription ??= await registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: key,
    });
    await this.api.call({
      method: 'post',
      path: '/users/me/push-subscriptions',
      expected: 201,
      body: subscription.toJSON() as PushSubscriptionJson,
    });
  }

  /** Unregisters this browser's subscription with the service and drops it. */
  async disable(serviceWorkerUrl = SERVICE_WORKER_URL): Promise<void> {
    const subscription = await this.current(serviceWorkerUrl);
    if (!subscription) return;
    await this.api.call({
      method: 'delete',
      path: '/users/me/push-subscriptions',
      expected: 204,
      body: { endpoint: subscription.endpoint },
    });
    await subscription.unsubscribe();
  }

  async enabled(serviceWorkerUrl = SERVICE_WORKER_URL): Promise<boolean> {
    return (await this.current(serviceWorkerUrl)) !== null;
  }

  private async current(serviceWorkerUrl: string): Promise<PushSubscriptionLike | null> {
    const registration = await browser.navigator?.serviceWorker?.getRegistration(serviceWorkerUrl);
    return (await registration?.pushManager.getSubscription()) ?? null;
  }

  private async publicKey(): Promise<Uint8Array> {
    try {
      const { publicKey } = await this.api.call({
        method: 'get',
        path: '/users/me/push-subscriptions/key',
        expected: 200,
      });
      return fromBase64Url(publicKey);
    } catch (error) {
      if (error instanceof NotifierApiError && error.status === 404) {
        throw new PushUnavailableError('off-on-server');
      }
      throw error;
    }
  }
}

function fromBase64Url(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function sameBytes(buffer: ArrayBuffer | null | undefined, bytes: Uint8Array): boolean {
  if (!buffer) return false;
  const other = new Uint8Array(buffer);
  return other.length === bytes.length && other.every((byte, n) => byte === bytes[n]);
}
