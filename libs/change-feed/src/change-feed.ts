import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Client, Notification } from 'pg';
import { CONNECTION_SETTINGS, DATABASE_URL } from '@app/config';
import { FeedReader } from './feed-reader';
import { reconnectDelay } from './reconnect-delay';

/** A LISTEN connection that stops answering within this is gone (half-open, blackholed). */
const CHECK_MS = 10_000;
const CHECK_TIMEOUT_MS = 5_000;
/** Ending must not hang a shutdown on a connection whose peer no longer answers. */
const END_LIMIT_MS = 1_000;

export interface ReaderOptions {
  /** Names the reader in the error log. */
  name: string;
  /** Runs the task this often without a wake-up: covers what a lost connection missed. */
  safetyPollMs: number;
  /**
   * Whether a notification's payload says something this reader has not read yet; by default
   * every notification wakes it. A hint only: a forged payload may cost a read, never data.
   */
  isNews?: (payload: string | undefined) => boolean;
}

/**
 * idle ─bootstrap→ connecting ─LISTEN done→ listening
 * connecting | listening ─error, end or failed check→ waiting ─backoff→ connecting
 * any ─shutdown→ stopped
 */
type Mode = 'idle' | 'connecting' | 'listening' | 'waiting' | 'stopped';

/**
 * The one way to be woken by Postgres: LISTEN on one dedicated connection (never from the
 * query pool), for readers registered before the application starts. A notification is only
 * a wake-up call, never data: its reader then reads its table. After every (re)connect every
 * reader runs, to catch up on whatever was notified while nobody listened; a safety poll
 * covers the rest.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ChangeFeed.name);
  private readonly byChannel = new Map<string, FeedReader[]>();
  private mode: Mode = 'idle';
  private client?: Client;
  private attempt = 0;
  private retryTimer?: NodeJS.Timeout;
  private checkTimer?: NodeJS.Timeout;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  /** A reader of `channel`'s table; channels are LISTENed in one statement, so register first. */
  reader(channel: string, task: () => Promise<void>, options: ReaderOptions): FeedReader {
    if (this.mode !== 'idle') {
      throw new Error(`${options.name}: readers must be registered before the change feed starts`);
    }
    const reader = new FeedReader(
      task,
      (error) => this.logger.error(`${options.name} failed: ${error.message}`),
      options.safetyPollMs,
      options.isNews,
    );
    this.byChannel.set(channel, [...(this.byChannel.get(channel) ?? []), reader]);
    return reader;
  }

  get isConnected(): boolean {
    return this.mode === 'listening';
  }

  async onApplicationBootstrap(): Promise<void> {
    const client = this.connect();
    try {
      await this.listen(client);
    } catch (error) {
      this.mode = 'stopped';
      clearTimeout(this.retryTimer);
      await this.end(client);
      throw error;
    }
    for (const reader of this.readers()) reader.start();
  }

  async onApplicationShutdown(): Promise<void> {
    this.mode = 'stopped';
    clearTimeout(this.retryTimer);
    clearInterval(this.checkTimer);
    for (const reader of this.readers()) reader.stop();
    const client = this.client;
    this.client = undefined;
    await this.end(client);
  }

  private connect(): Client {
    this.mode = 'connecting';
    const client = new Client({
      connectionString: this.url,
      application_name: 'notifier-listener',
      ...CONNECTION_SETTINGS,
      // The check's SELECT fails on a half-open connection instead of hanging.
      query_timeout: CHECK_TIMEOUT_MS,
    });
    this.client = client;
    client.on('notification', (message) => this.notified(client, message));
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the connection ended')));
    return client;
  }

  private async listen(client: Client): Promise<void> {
    await client.connect();
    const channels = [...this.byChannel.keys()];
    await client.query(channels.map((c) => `LISTEN ${client.escapeIdentifier(c)};`).join(' '));
    if (client !== this.client || this.mode !== 'connecting') return;
    this.mode = 'listening';
    this.attempt = 0;
    this.logger.log('Listening for changes');
    this.checkTimer = setInterval(() => this.check(client), CHECK_MS);
    for (const reader of this.readers()) reader.wake();
  }

  private check(client: Client): void {
    client.query('SELECT 1').catch((error: Error) => this.lost(client, error));
  }

  private notified(client: Client, { channel, payload }: Notification): void {
    if (client !== this.client) return;
    for (const reader of this.byChannel.get(channel) ?? []) reader.notified(payload);
  }

  private lost(client: Client, error: Error): void {
    if (client !== this.client || this.mode === 'stopped' || this.mode === 'idle') return;
    if (this.mode === 'listening') {
      this.logger.warn(`Listener connection lost (${error.message}); reconnecting`);
    } else if (this.attempt % 10 === 9) {
      this.logger.warn(`Listener reconnect attempt ${this.attempt + 1} failed: ${error.message}`);
    } else {
      this.logger.debug(`Listener reconnect attempt ${this.attempt + 1} failed: ${error.message}`);
    }
    this.mode = 'waiting';
    this.client = undefined;
    clearInterval(this.checkTimer);
    void this.end(client);
    this.retryTimer = setTimeout(() => this.reconnect(), reconnectDelay(this.attempt++));
  }

  private reconnect(): void {
    if (this.mode !== 'waiting') return;
    const client = this.connect();
    this.listen(client).catch((error: Error) => this.lost(client, error));
  }

  /** Errors of a connection being let go are expected: they reach the debug log only. */
  private async end(client: Client | undefined): Promise<void> {
    if (!client) return;
    const note = (error: Error) => this.logger.debug(`Ended listener: ${error.message}`);
    client.removeAllListeners();
    client.on('error', note);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, END_LIMIT_MS)));
    await Promise.race([client.end().catch(note), limit]).finally(() => clearTimeout(timer));
  }

  private *readers(): Iterable<FeedReader> {
    for (const readers of this.byChannel.values()) yield* readers;
  }
}
