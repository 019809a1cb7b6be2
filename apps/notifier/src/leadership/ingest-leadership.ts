import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Client } from 'pg';
import { Gauge } from 'prom-client';
import { CONNECTION_SETTINGS, DATABASE_URL } from '@app/config';
import { lockKeys } from '@app/postgres-objects';
import { NotifierMetrics } from '../metrics/notifier-metrics';

/** Held for as long as an instance leads ingestion: one leader per database. */
export const LEADER_LOCK = lockKeys('ingestLeader');
const CAMPAIGN_MS = 1_000;
const CHECK_MS = 1_000;
/** A check that gets no answer this soon means the connection is gone, so is the lead. */
const CHECK_TIMEOUT_MS = 2_000;
/**
 * The server ends a leadership session idle this long (idle_session_timeout), which releases
 * the lock: a leader cut off by a half-open connection is replaced within seconds, without
 * waiting for TCP to give up. Longer than CHECK_MS + CHECK_TIMEOUT_MS, so a leader that can no
 * longer reach the server has stopped leading before another can take over.
 */
const LEASE_MS = 5_000;

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
  private onDeposed: () => void = () => undefined;

  constructor(
    @Inject(DATABASE_URL) private readonly url: string,
    metrics: NotifierMetrics,
  ) {
    const leading = () => this.leading;
    new Gauge({
      name: 'notifier_ingest_leader',
      help: '1 while this instance holds the ingest lock and drains the outbox, else 0',
      registers: [metrics.registry],
      // Over a cluster's workers: how many lead, so that the alert on "none" reads the same.
      aggregator: 'sum',
      collect() {
        this.set(leading() ? 1 : 0);
      },
    });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(onElected: () => void, onDeposed: () => void): void {
    this.onElected = onElected;
    this.onDeposed = onDeposed;
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
      ...CONNECTION_SETTINGS,
      query_timeout: CHECK_TIMEOUT_MS,
      statement_timeout: CHECK_TIMEOUT_MS,
    });
    client.on('error', (error) => this.lose(error));
    this.client = client;
    await client.connect();
    // idle_session_timeout exists from PostgreSQL 14 on; older servers rely on TCP alone.
    await client.query(
      `SELECT set_config('idle_session_timeout', $1, false)
       WHERE current_setting('server_version_num')::int >= 140000`,
      [String(LEASE_MS)],
    );
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
    const wasLeading = this.leading;
    if (wasLeading) this.logger.warn(`Lost the ingest lead: ${error.message}`);
    else this.logger.warn(`Ingest leader campaign failed: ${error.message}`);
    this.leading = false;
    if (wasLeading) this.onDeposed();
    const client = this.client;
    this.client = undefined;
    this.discard(client);
    clearTimeout(this.timer);
    this.schedule(CAMPAIGN_MS + Math.random() * CAMPAIGN_MS);
  }
}
