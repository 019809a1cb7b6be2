/**
 * The names and rules by which the code meets the database's objects, each declared once for
 * the code: NOTIFY channels, advisory locks, the outbox's publication, and the rules that both
 * a CHECK constraint and the API's validation apply. The migrations state them literally, as
 * history does not change with the code: renaming one here changes no database, and
 * test/postgres-objects.e2e-spec.ts fails until a migration does. This module imports nothing,
 * so that persistence can load it where no path alias resolves.
 */

/** Every NOTIFY on these channels is a payload-free wake-up (DESIGN §1): the tables are the truth. */
export const CHANNELS = {
  /** Rows were inserted into notification_outbox (`OUTBOX_WAKE=notify` only). */
  outbox: 'notification_outbox',
  /** The ingester appended rows to the log. */
  appended: 'notifications_appended',
  /** Rows were added to read_state_changes. */
  readState: 'notifications_read',
  /** closed_streams changed. */
  closedStreams: 'closed_streams_changed',
} as const;

/** Publication of the outbox's inserts alone, decoded by the ingest leader's temporary slot. */
export const OUTBOX_PUBLICATION = 'notifier_outbox';

/** 0x6e6f7466, "notf": the first key of every Notifier advisory lock. */
const LOCK_SPACE = 0x6e6f7466;

/** The second keys, one per lock. */
const LOCKS = {
  migrations: 0,
  ingestLeader: 1,
  /** Serializes drains, so log ids follow commit order. */
  drain: 2,
  /** Serializes read-state changes, so their ids follow commit order. */
  readState: 3,
  /** Serializes push claims, so that two instances that both believe they lead claim in turn. */
  pushClaim: 4,
} as const;

/** The two keys of one advisory lock, as `pg_advisory_lock($1, $2)` takes them. */
export const lockKeys = (lock: keyof typeof LOCKS) => [LOCK_SPACE, LOCKS[lock]] as const;

/**
 * A notification's `type`, in the outbox, in `notifier_watches` and in every API field that
 * names one; written so that Postgres (`~`) and JavaScript (`new RegExp`) read it alike.
 */
export const NOTIFICATION_TYPE_PATTERN = '^[A-Za-z0-9_.:-]{1,100}$';

/** W3C Trace Context `traceparent`, version 00: the only form a CHECK lets into the tables. */
export const TRACEPARENT_PATTERN = '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$';

/** A payload's limit, as Postgres serializes it (`octet_length(payload::text)`). */
export const MAX_PAYLOAD_BYTES = 65536;
