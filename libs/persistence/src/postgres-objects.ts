/**
 * The names that the code and the migrations share, each declared once: NOTIFY channels and
 * advisory locks. Every NOTIFY on these channels is a payload-free wake-up (DESIGN §1).
 */
export const CHANNELS = {
  /** The ingester appended rows to the log. */
  appended: 'notifications_appended',
  /** Rows were added to read_state_changes. */
  readState: 'notifications_read',
  /** closed_streams changed. */
  closedStreams: 'closed_streams_changed',
} as const;

/** 0x6e6f7466, "notf": the first key of every Notifier advisory lock. */
export const LOCK_SPACE = 0x6e6f7466;

/** The second keys, one per lock. */
export const LOCKS = {
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
