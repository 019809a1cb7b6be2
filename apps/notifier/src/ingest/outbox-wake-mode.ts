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
 * unless OUTBOX_WAKE=wal was set explicitly (then start-up stops), the NOTIFY trigger.
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
    mode: 'notify',
    warning:
      `${why}. Falling back to OUTBOX_WAKE=notify: a NOTIFY trigger runs in every producer transaction, ` +
      `and Postgres' global notification lock then serializes those commits database-wide ` +
      `(32 producers reached 0.31x the commit rate of a plain INSERT). Fix the above, or set ` +
      `OUTBOX_WAKE=notify to accept that or OUTBOX_WAKE=poll to trade it for up to 50 ms of latency.`,
  };
}
