/**
 * Names that the service and the migrations share, declared once. The publication and the
 * trigger are how the ingest leader learns of new outbox rows (see OUTBOX_WAKE).
 */

/** NOTIFY channel of the outbox trigger (`OUTBOX_WAKE=notify` only). */
export const OUTBOX_CHANNEL = 'notification_outbox';
/** The trigger that runs that NOTIFY in producers' transactions (`OUTBOX_WAKE=notify` only). */
export const OUTBOX_NOTIFY_TRIGGER = 'notification_outbox_inserted';
/** Publication of the outbox's inserts alone, decoded by the leader's temporary slot. */
export const OUTBOX_PUBLICATION = 'notifier_outbox';
/** application_name of the leader's replication connection, as pg_stat_activity shows it. */
export const OUTBOX_WAL_APPLICATION = 'notifier-outbox-wal';
