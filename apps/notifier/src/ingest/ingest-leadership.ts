import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { DATABASE_URL } from '@app/persistence';

/** Held for as long as an instance leads ingestion: one leader per database. */
const LEADER_LOCK = [0x6e6f7466, 1] as const;
const CAMPAIGN_MS = 1_000;
const CHECK_MS = 2_000;

/**
 * Campaigns for the ingest lead with a session-level advisory lock on a connection of its own.
 * Losing that connection loses the lead; followers keep trying, so one takes over within seconds.
 */
@Injectable()
export class IngestLeadership implements OnApplicationShutdown {
  private readonly logger = new Logger(IngestLeadership.name);
  private client?: Client;
  private leading = false;
  private stopped = false;
  private timer?: NodeJS.Timeout;
  private onElected: () => void = () => undefined;

  constructor(@Inject(DATABASE_URL) private readonly url: string) {}

  get isLeader(): boolean {
    return this.leading;
  }

  start(onElected: () => void): void {
    this.onElected = onElected;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    this.leading = false;
    // Ending the session releases the lock, so a follower takes over at once.
    await client?.end();
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.tick().catch((error: Error) => this.lose(error));
    }, delay);
  }

  private async tick(): Promise<void> {
    const client = this.client ?? (await this.connect());
    if (this.leading) {
      await client.query('SELECT 1');
      this.schedule(CHECK_MS);
      return;
    }
    const { rows } = await client.query<{ locked: boolean }>(
      'SELECT pg_try_advisory_lock($1, $2) AS locked',
      [...LEADER_LOCK],
    );
    this.leading = rows[0].locked;
    if (this.leading) {
      this.logger.log('Leading ingestion');
      this.onElected();
    }
    this.schedule(this.leading ? CHECK_MS : CAMPAIGN_MS);
  }

  private async connect(): Promise<Client> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'notifier-ingest-leader',
    });
    client.on('error', (error) => this.lose(error));
    this.client = client;
    await client.connect();
    return client;
  }

  /** A lost session: its errors from here on are expected, so they only reach the debug log. */
  private discard(client: Client | undefined): void {
    if (!client) return;
    const note = (error: Error) =>
      this.logger.debug(`Discarded leader connection: ${error.message}`);
    client.removeAllListeners('error');
    client.on('error', note);
    client.end().catch(note);
  }

  private lose(error: Error): void {
    if (this.stopped) return;
    if (this.leading) this.logger.warn(`Lost the ingest lead: ${error.message}`);
    else this.logger.warn(`Ingest leader campaign failed: ${error.message}`);
    this.leading = false;
    const client = this.client;
    this.client = undefined;
    this.discard(client);
    clearTimeout(this.timer);
    this.schedule(CAMPAIGN_MS + Math.random() * CAMPAIGN_MS);
  }
}
