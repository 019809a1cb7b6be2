import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import { LogicalReplicationService } from 'pg-logical-replication';
import { CONNECTION_SETTINGS } from '@app/config';
import { OUTBOX_PUBLICATION } from '@app/postgres-objects';
import { reconnectDelay } from './reconnect-delay';

/** application_name of the leader's replication connection, as pg_stat_activity shows it. */
export const OUTBOX_WAL_APPLICATION = 'notifier-outbox-wal';

/**
 * The server is asked for a reply this often, which also confirms the last LSN it sent: the
 * slot never holds back more than this much WAL.
 */
const PING_MS = 2_000;
/** Silence from the server this long means the connection is gone (half-open, blackholed). */
const SILENCE_LIMIT_MS = 6_000;
/** Creating a slot waits for transactions already running; past this, start over. */
const START_LIMIT_MS = 30_000;
/** Closing must not hang a shutdown on a connection whose peer no longer answers. */
const CLOSE_LIMIT_MS = 1_000;

/**
 * pgoutput as a wake-up only: the slot is TEMPORARY (made on this very connection, dropped by
 * Postgres when it ends, so it can never retain WAL after a crash), and a message is reduced
 * to its tag ('B'egin, 'I'nsert, 'C'ommit, …): the table is the truth, never the change.
 */
class TemporarySlotWakeup {
  readonly name = 'pgoutput';

  constructor(
    readonly options: { publication: string },
    /** False once the wake-up has let this connection go. */
    private readonly wanted: () => boolean,
  ) {}

  async start(client: Client, slot: string): Promise<unknown> {
    // subscribe() connects after an await of its own, so a destroy() called before that point
    // finds no client to end: the connection then arrives here after its service was closed.
    if (!this.wanted()) return client.end();
    await client.query(
      `CREATE_REPLICATION_SLOT ${slot} TEMPORARY LOGICAL pgoutput NOEXPORT_SNAPSHOT`,
    );
    return client.query(
      `START_REPLICATION SLOT ${slot} LOGICAL 0/0 (proto_version '1', publication_names '${this.options.publication}')`,
    );
  }

  parse(message: Buffer): string {
    return String.fromCharCode(message[0]);
  }
}

/**
 * stopped ─start()→ connecting ─replication started→ streaming
 * connecting | streaming ─error, end or silence→ waiting ─backoff→ connecting
 * any ─stop()→ stopped
 */
type Mode = 'stopped' | 'connecting' | 'streaming' | 'waiting';

export interface OutboxWalWakeupHandlers {
  /** A transaction that inserted into the outbox has committed. */
  onCommit(): void;
  /** Streaming (again): whatever committed while nobody listened is in the table, not here. */
  onStreaming(): void;
}

/**
 * Wakes the ingest leader from the WAL: a logical-replication connection of its own, with a
 * temporary slot on the publication of the outbox's inserts, so that producers' commits run
 * no NOTIFY. Reconnects with capped, jittered backoff; confirms what it was sent every
 * PING_MS, so the slot holds no WAL back. Every timer and listener it adds goes with its connection.
 */
export class OutboxWalWakeup {
  private readonly logger = new Logger(OutboxWalWakeup.name);
  private mode: Mode = 'stopped';
  private service?: LogicalReplicationService;
  private attempt = 0;
  private insertedInTransaction = false;
  private lastHeardAt = 0;
  private retryTimer?: NodeJS.Timeout;
  private startTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(
    private readonly url: string,
    private readonly handlers: OutboxWalWakeupHandlers,
  ) {}

  start(): void {
    if (this.mode !== 'stopped') return;
    this.attempt = 0;
    this.connect();
  }

  async stop(): Promise<void> {
    this.mode = 'stopped';
    clearTimeout(this.retryTimer);
    await this.close(this.service);
  }

  private connect(): void {
    this.mode = 'connecting';
    const service = new LogicalReplicationService(
      {
        connectionString: this.url,
        application_name: OUTBOX_WAL_APPLICATION,
        ...CONNECTION_SETTINGS,
      },
      // Confirmed on each ping rather than per message: one status update per message would
      // cost the server's walsender as much as the decoding itself at thousands of commits/s.
      { acknowledge: { auto: false, timeoutSeconds: 0 } },
    );
    this.service = service;
    service.on('start', () => this.streaming(service));
    service.on('data', (_lsn: string, tag: string) => this.received(service, tag));
    service.on('heartbeat', (lsn: string, _at: number, replyRequested: boolean) => {
      this.heard(service);
      if (replyRequested) this.acknowledge(service, lsn, false);
    });
    service.on('error', (error: Error) => this.lost(service, error));
    this.startTimer = setTimeout(
      () =>
        this.lost(
          service,
          new Error(
            `replication did not start within ${START_LIMIT_MS} ms (a long-running or prepared transaction delays a new slot)`,
          ),
        ),
      START_LIMIT_MS,
    );
    const slot = `notifier_wake_${randomBytes(8).toString('hex')}`;
    const plugin = new TemporarySlotWakeup(
      { publication: OUTBOX_PUBLICATION },
      () => service === this.service,
    );
    service.subscribe(plugin, slot).then(
      () => this.lost(service, new Error('the replication stream ended')),
      (error: Error) => this.lost(service, error),
    );
  }

  private streaming(service: LogicalReplicationService): void {
    if (service !== this.service || this.mode !== 'connecting') return;
    clearTimeout(this.startTimer);
    this.mode = 'streaming';
    this.attempt = 0;
    this.heard(service);
    this.pingTimer = setInterval(() => this.ping(service), PING_MS);
    this.logger.log('Waking ingestion from the WAL');
    this.handlers.onStreaming();
  }

  private received(service: LogicalReplicationService, tag: string): void {
    if (service !== this.service) return;
    this.heard(service);
    // pgoutput sends only committed transactions, each from Begin to Commit.
    if (tag === 'B') this.insertedInTransaction = false;
    else if (tag === 'I') this.insertedInTransaction = true;
    else if (tag === 'C' && this.insertedInTransaction) {
      this.insertedInTransaction = false;
      this.handlers.onCommit();
    }
  }

  private heard(service: LogicalReplicationService): void {
    if (service === this.service) this.lastHeardAt = Date.now();
  }

  /** Confirms what was sent (so the slot moves on) and asks for a reply (so silence shows). */
  private ping(service: LogicalReplicationService): void {
    if (Date.now() - this.lastHeardAt > SILENCE_LIMIT_MS) {
      this.lost(service, new Error(`no message from the server for ${SILENCE_LIMIT_MS} ms`));
      return;
    }
    this.acknowledge(service, service.lastLsn(), true);
  }

  private acknowledge(service: LogicalReplicationService, lsn: string, ping: boolean): void {
    service.acknowledge(lsn, ping).catch((error: Error) => this.lost(service, error));
  }

  private lost(service: LogicalReplicationService, error: Error): void {
    if (service !== this.service || this.mode === 'stopped') return;
    const delay = reconnectDelay(this.attempt++);
    this.logger.warn(`WAL wake-up connection lost (${error.message}); reconnecting in ${delay} ms`);
    this.close(service).catch((closeError: Error) =>
      this.logger.debug(`Closing the WAL wake-up connection: ${closeError.message}`),
    );
    this.mode = 'waiting';
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private async close(service: LogicalReplicationService | undefined): Promise<void> {
    clearTimeout(this.startTimer);
    clearInterval(this.pingTimer);
    if (!service) return;
    if (service === this.service) this.service = undefined;
    service.removeAllListeners();
    // Errors of a connection being closed are expected; they only reach the debug log.
    service.on('error', (error: Error) =>
      this.logger.debug(`Closed WAL wake-up connection: ${error.message}`),
    );
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_LIMIT_MS)));
    await Promise.race([service.destroy(), limit]).finally(() => clearTimeout(timer));
  }
}
