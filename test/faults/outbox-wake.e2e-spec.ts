import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { Producer, RunningNotifier } from '../support/notifier-harness';
import { useDatabase } from '../support/notifier-fixture';
import { uniqueUser } from '../support/users';
import { waitForAsync } from '../support/wait-for';

/** The triggers Postgres holds on the outbox, by name (internal constraint triggers aside). */
async function outboxTriggers(producer: Producer): Promise<string[]> {
  const { rows } = await producer.pool.query<{ tgname: string }>(
    `SELECT tgname FROM pg_trigger
     WHERE tgrelid = 'notification_outbox'::regclass AND NOT tgisinternal ORDER BY tgname`,
  );
  return rows.map((row) => row.tgname);
}

/** Temporary logical slots of this database in use by a connection right now. */
async function activeWakeSlots(producer: Producer): Promise<number> {
  const { rows } = await producer.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_replication_slots
     WHERE database = current_database() AND temporary AND active AND plugin = 'pgoutput'`,
  );
  return rows[0].n;
}

/**
 * A faults test for the server it needs: logical decoding (wal_level=logical) and prepared
 * transactions, which the embedded server has and a stock one (wal_level=replica) does not.
 */
describe('how the ingest leader learns of new outbox rows (OUTBOX_WAKE)', () => {
  const { database, producer, startNotifier } = useDatabase();
  let notifier: RunningNotifier | undefined;

  afterEach(async () => {
    await notifier?.close();
    notifier = undefined;
  });

  // In this order, so that the trigger is created and dropped again: switching works both ways.
  it.each([
    ['notify', ['notification_outbox_inserted'], 0],
    ['wal', [], 1],
    ['poll', [], 0],
    ['notify', ['notification_outbox_inserted'], 0],
    ['wal', [], 1],
  ] as const)(
    'in %s mode the outbox has triggers %j, %i wake-up slot, and an INSERT reaches the stream',
    async (mode, triggers, slots) => {
      notifier = await startNotifier({ OUTBOX_WAKE: mode });
      const user = uniqueUser(mode);
      const stream = await notifier.stream(user);
      try {
        expect(await outboxTriggers(producer)).toEqual(triggers);
        await waitForAsync(async () => (await activeWakeSlots(producer)) === slots, 'the slots');
        await producer.notify(user, { mode });
        const [message] = await stream.waitForMessages(1);
        expect(JSON.parse(message.data)).toMatchObject({ payload: { mode } });
      } finally {
        stream.close();
      }
    },
  );

  it('in wal mode the slot confirms what it was sent, so it holds no WAL back', async () => {
    notifier = await startNotifier({ OUTBOX_WAKE: 'wal' });
    await waitForAsync(async () => (await activeWakeSlots(producer)) === 1, 'the slot');
    await producer.notifyMany(uniqueUser('wal'), 100);
    const { rows } = await producer.pool.query<{ lsn: string }>(
      'SELECT pg_current_wal_lsn()::text AS lsn',
    );
    await waitForAsync(async () => {
      const confirmed = await producer.pool.query<{ done: boolean }>(
        `SELECT bool_and(confirmed_flush_lsn >= $1::pg_lsn) AS done FROM pg_replication_slots
         WHERE database = current_database() AND temporary`,
        [rows[0].lsn],
      );
      return confirmed.rows[0].done === true;
    }, 'the slot to confirm the WAL of the INSERT');
  });

  it('in the default (wal) mode a producer transaction runs no NOTIFY: it can be PREPAREd, and is delivered on COMMIT PREPARED', async () => {
    notifier = await startNotifier();
    const user = uniqueUser('prepared');
    const stream = await notifier.stream(user);
    const client = new Client({ connectionString: database.url });
    await client.connect();
    const gid = `notifier-test-${randomBytes(6).toString('hex')}`;
    let prepared = false;
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO notification_outbox (user_id) VALUES ($1)`, [user]);
      await client.query(`PREPARE TRANSACTION '${gid}'`);
      prepared = true;
      await client.query(`COMMIT PREPARED '${gid}'`);
      prepared = false;
      await stream.waitForMessages(1);
    } finally {
      // A prepared transaction outlives its session and would hold back every new slot.
      if (prepared) await client.query(`ROLLBACK PREPARED '${gid}'`);
      await client.end();
      stream.close();
    }
  });
});
