import type { NotifierConfig, OutboxWakeMode } from '@app/config';
import type { WalSupport } from './outbox-wake.repository';

export class OutboxWakeRefused extends Error {
  override name = 'OutboxWakeRefused';
}

export interface OutboxWakeChoice {
  mode: OutboxWakeMode;
  /** Why `wal` was not possible and what the fallback costs; for the start-up log. */
  warning?: string;
}

/**
 * The mode the ingester runs in. `wal` where the server and the role allow it; otherwise,
 * unless OUTBOX_WAKE=wal was set explicitly (then start-up stops), adaptive polling: like
 * `wal`, and unlike the NOTIFY trigger, it takes no lock in producers' transactions.
 */
export function chooseOutboxWake(
  requested: NotifierConfig['outboxWake'],
  support: WalSupport,
): OutboxWakeChoice {
  if (requested.mode !== 'wal') return { mode: requested.mode };
  const problems: string[] = [];
  if (support.walLevel !== 'logical') {
    problems.push(
      `wal_level is ${support.walLevel}, not logical (set wal_level=logical and restart Postgres; on a managed Postgres turn on its logical replication flag, e.g. rds.logical_replication=1 on Amazon RDS, cloudsql.logical_decoding=on on Cloud SQL)`,
    );
  }
  if (!support.canReplicate) {
    problems.push(
      `the role ${support.role} may not replicate (ALTER ROLE ${support.role} REPLICATION; on Amazon RDS GRANT rds_replication TO ${support.role})`,
    );
  }
  if (problems.length === 0) return { mode: 'wal' };
  const why = `OUTBOX_WAKE=wal cannot work: ${problems.join('; ')}`;
  if (requested.explicit) {
    throw new OutboxWakeRefused(
      `${why}. Fix that, or set OUTBOX_WAKE=notify or OUTBOX_WAKE=poll to run without it.`,
    );
  }
  return {
    mode: 'poll',
    warning:
      `${why}. Falling back to OUTBOX_WAKE=poll: the ingest leader polls the outbox every few ` +
      `milliseconds while rows come and every 50 ms when idle, which costs producers nothing but ` +
      `adds a few milliseconds of latency. Fix the above for the WAL wake-up, or set OUTBOX_WAKE=poll ` +
      `to keep polling without this warning.`,
  };
}
