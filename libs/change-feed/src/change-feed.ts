import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import createSubscriber, { Subscriber } from 'pg-listen';
import { CONNECTION_SETTINGS, DATABASE_URL } from '@app/config';

export type ChangeHandler = (payload: string | undefined) => void;
export type ConnectedHandler = () => void;

const PARANOID_CHECK_MS = 10_000;
const MAX_BACKOFF_MS = 5_000;
const LISTENER_QUERY_TIMEOUT_MS = 5_000;

/** Exponential backoff with jitter, capped, so that instances do not reconnect in lockstep. */
export function reconnectDelay(attempt: number): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
}

/**
 * Postgres LISTEN on one dedicated connection (never from the query pool).
 * A notification is only a wake-up call: after every (re)connect the `onConnected` handlers
 * run so that their owners catch up on whatever was notified while nobody listened.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly handlers = new Map<string, ChangeHandler[]>();
  private readonly connectedHandlers: ConnectedHandler[] = [];
  private subscriber?: Subscriber;
  private connected = false;
  private closing = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  /** Register before the application boots; every channel is LISTENed on each connection. */
  on(channel: string, handler: ChangeHandler): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  onConnected(handler: ConnectedHandler): void {
    this.connectedHandlers.push(handler);
  }

  get isConnected(): boolean {
    return this.connected;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    this.connected = false;
    await this.subscriber?.close();
  }

  private async start(): Promise<void> {
    const subscriber = createSubscriber(
      {
        connectionString: this.url,
        application_name: 'notifier-listener',
        ...CONNECTION_SETTINGS,
        // The paranoid check's SELECT fails on a half-open connection instead of hanging.
        query_timeout: LISTENER_QUERY_TIMEOUT_MS,
      },
      {
        parse: (payload) => payload,
        paranoidChecking: PARANOID_CHECK_MS,
        retryInterval: reconnectDelay,
        retryLimit: Infinity,
        retryTimeout: 0,
      },
    );
    this.subscriber = subscriber;
    subscriber.events.on('reconnect', (attempt) => this.lost(subscriber, attempt));
    subscriber.events.on('connected', () => this.established(subscriber));
    subscriber.events.on('error', (error) => this.failed(subscriber, error));
    for (const [channel, handlers] of this.handlers) {
      subscriber.notifications.on(channel, (payload: string | undefined) => {
        for (const handler of handlers) handler(payload);
      });
    }
    await subscriber.connect();
    for (const channel of this.handlers.keys()) await subscriber.listenTo(channel);
    this.established(subscriber);
  }

  private established(subscriber: Subscriber): void {
    if (subscriber !== this.subscriber || this.closing) return;
    if (!this.connected) this.logger.log('Listening for changes');
    this.connected = true;
    for (const handler of this.connectedHandlers) handler();
  }

  private lost(subscriber: Subscriber, attempt: number): void {
    if (subscriber !== this.subscriber) return;
    if (this.connected) this.logger.warn('Listener connection lost; reconnecting');
    this.connected = false;
    if (attempt % 10 === 0) this.logger.warn(`Listener reconnect attempt ${attempt}`);
  }

  /** pg-listen gave up on this client (LISTEN failed after a reconnect): start a fresh one. */
  private failed(subscriber: Subscriber, error: Error): void {
    if (subscriber !== this.subscriber || this.closing) return;
    this.logger.error(`Listener failed: ${error.message}`);
    this.connected = false;
    subscriber
      .close()
      .catch((closeError: Error) =>
        this.logger.debug(`Closing the failed listener: ${closeError.message}`),
      );
    this.restartTimer = setTimeout(() => {
      this.start().catch((startError: Error) => this.failed(this.subscriber!, startError));
    }, reconnectDelay(5));
  }
}
