import type { PoolClient } from 'pg';
import { CHANNELS, lockKeys, OUTBOX_PUBLICATION } from '@app/postgres-objects';
import {
  MAX_PAYLOAD_BYTES,
  NOTIFICATION_TYPE_PATTERN,
  TRACEPARENT_PATTERN,
} from '@app/postgres-objects';
import { useDatabase } from './support/notifier-fixture';

/**
 * The migrations write channels, lock keys and rules out literally; the code takes them from
 * libs/postgres-objects. Renaming one on either side alone fails here: the code would LISTEN
 * where nothing is said, or lock beside the drain, or accept what the table refuses.
 */
describe('the migrated database and libs/postgres-objects', () => {
  const { producer } = useDatabase();
  let session: PoolClient;

  beforeEach(async () => {
    session = await producer.pool.connect();
  });

  afterEach(async () => {
    await session.query('UNLISTEN *');
    session.release();
  });

  /** The channels NOTIFYed to this session while `statement` ran (its own NOTIFYs arrive before its reply). */
  async function notifiedBy(statement: string): Promise<string[]> {
    const heard: string[] = [];
    const onNotification = ({ channel }: { channel: string }) => heard.push(channel);
    session.on('notification', onNotification);
    try {
      await session.query(statement);
      return heard;
    } finally {
      session.off('notification', onNotification);
    }
  }

  it('NOTIFY on the channels the code LISTENs on', async () => {
    for (const channel of Object.values(CHANNELS)) {
      await session.query(`LISTEN ${session.escapeIdentifier(channel)}`);
    }
    await session.query(`SELECT notifier_set_outbox_wake('notify')`);
    try {
      expect(await notifiedBy(`INSERT INTO notification_outbox (user_id) VALUES ('u')`)).toEqual([
        CHANNELS.outbox,
      ]);
    } finally {
      await session.query(`SELECT notifier_set_outbox_wake('wal')`);
    }
    expect(await notifiedBy(`SELECT * FROM notifier_drain_outbox(10)`)).toEqual([
      CHANNELS.appended,
    ]);
    expect(await notifiedBy(`SELECT notifier_next_read_state_change_id()`)).toEqual([
      CHANNELS.readState,
    ]);
    expect(await notifiedBy(`INSERT INTO closed_streams (user_id) VALUES ('u')`)).toEqual([
      CHANNELS.closedStreams,
    ]);
  });

  it.each([
    ['notifier_drain_outbox(10)', 'drain'],
    ['notifier_next_read_state_change_id()', 'readState'],
  ] as const)('%s takes the advisory lock the code knows as %s', async (call, lock) => {
    await session.query('BEGIN');
    try {
      await session.query(`SELECT * FROM ${call}`);
      const { rows } = await session.query<unknown[]>({
        text: `SELECT classid::bigint::int, objid::bigint::int FROM pg_locks
               WHERE locktype = 'advisory' AND pid = pg_backend_pid()`,
        rowMode: 'array',
      });
      expect(rows).toEqual([[...lockKeys(lock)]]);
    } finally {
      await session.query('ROLLBACK');
    }
  });

  it('check what the API checks: the notification type, the traceparent, the payload size', async () => {
    const { rows } = await session.query<{ conname: string; definition: string }>(
      `SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conname IN ('outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100',
                         'notifier_watches_type_matches_the_outbox_rule',
                         'outbox_traceparent_is_w3c_trace_context',
                         'notifications_traceparent_is_w3c_trace_context',
                         'outbox_payload_at_most_64_kib')`,
    );
    expect(Object.fromEntries(rows.map((row) => [row.conname, row.definition]))).toEqual({
      outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100: `CHECK ((type ~ '${NOTIFICATION_TYPE_PATTERN}'::text))`,
      notifier_watches_type_matches_the_outbox_rule: `CHECK ((type ~ '${NOTIFICATION_TYPE_PATTERN}'::text))`,
      outbox_traceparent_is_w3c_trace_context: `CHECK ((traceparent ~ '${TRACEPARENT_PATTERN}'::text))`,
      notifications_traceparent_is_w3c_trace_context: `CHECK ((traceparent ~ '${TRACEPARENT_PATTERN}'::text))`,
      outbox_payload_at_most_64_kib: `CHECK ((octet_length((payload)::text) <= ${MAX_PAYLOAD_BYTES}))`,
    });
    // A watch's type and payload follow the same rules before they reach the outbox.
    expect(await functionSource('notifier_watch')).toContain(`!~ '${NOTIFICATION_TYPE_PATTERN}'`);
    expect(await functionSource('notifier_fit_payload')).toContain(`> ${MAX_PAYLOAD_BYTES} `);
  });

  it('publish the outbox under the name the ingest leader subscribes to', async () => {
    const { rows } = await session.query<{ tablename: string }>(
      'SELECT tablename FROM pg_publication_tables WHERE pubname = $1',
      [OUTBOX_PUBLICATION],
    );
    expect(rows).toEqual([{ tablename: 'notification_outbox' }]);
  });

  async function functionSource(name: string): Promise<string> {
    const { rows } = await session.query<{ prosrc: string }>(
      'SELECT prosrc FROM pg_proc WHERE proname = $1',
      [name],
    );
    return rows.map((row) => row.prosrc).join('\n');
  }
});
