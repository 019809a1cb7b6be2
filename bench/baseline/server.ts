/**
 * The SSE endpoint a team writes in an afternoon: Express, one LISTEN connection, and on
 * every NOTIFY one SELECT per open client of that user. Kept small and naive on purpose;
 * it is the "why not just do this?" line of the benchmark. It keeps the gap DESIGN.md §1
 * describes: a bigserial is not committed in id order, so under parallel producers
 * `id > lastId` skips rows that commit late, and the bench counts them as lost.
 */
import express from 'express';
import type { Response } from 'express';
import { JwtService } from '@nestjs/jwt';
import { Client, Pool } from 'pg';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS baseline_events (
    id bigserial PRIMARY KEY, user_id text NOT NULL, payload jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
  CREATE INDEX IF NOT EXISTS baseline_events_user_id_id ON baseline_events (user_id, id);
  CREATE OR REPLACE FUNCTION baseline_notify() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN PERFORM pg_notify('baseline_events', NEW.user_id); RETURN NEW; END $$;
  CREATE OR REPLACE TRIGGER baseline_events_notify AFTER INSERT ON baseline_events
    FOR EACH ROW EXECUTE FUNCTION baseline_notify();`;

interface Subscriber {
  userId: string;
  lastId: string;
  res: Response;
  busy: boolean;
  again: boolean;
}

const pool = new Pool({ connectionString: process.env.DATABASE_URL });
const jwt = new JwtService({ secret: process.env.JWT_SECRET });
const subscribers = new Map<string, Set<Subscriber>>();

/** Sends the user's rows after `lastId`; a wake-up during a read triggers one more read. */
async function pull(sub: Subscriber): Promise<void> {
  if (sub.busy) {
    sub.again = true;
    return;
  }
  sub.busy = true;
  do {
    sub.again = false;
    // `ORDER BY id` alone would sort by the text output column: '100' before '99'.
    const { rows } = await pool.query<{ id: string; payload: string }>(
      'SELECT id::text, payload::text FROM baseline_events WHERE user_id = $1 AND id > $2 ORDER BY baseline_events.id',
      [sub.userId, sub.lastId],
    );
    for (const row of rows) {
      sub.res.write(`id: ${row.id}\ndata: ${row.payload}\n\n`);
      sub.lastId = row.id;
    }
  } while (sub.again);
  sub.busy = false;
}

const app = express();
app.get('/health', (_req, res) => void res.send('ok'));
app.get('/events', async (req, res) => {
  let userId: string;
  try {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    userId = jwt.verify<{ sub: string }>(token).sub;
  } catch {
    res.status(401).json({ error: 'unauthorized' });
    return;
  }
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.write('retry: 3000\n\n');
  const resume = req.headers['last-event-id'];
  const lastId =
    typeof resume === 'string'
      ? resume
      : (
          await pool.query<{ id: string }>(
            'SELECT coalesce(max(id), 0)::text AS id FROM baseline_events',
          )
        ).rows[0].id;
  const sub: Subscriber = { userId, lastId, res, busy: false, again: false };
  const set = subscribers.get(userId) ?? new Set<Subscriber>();
  subscribers.set(userId, set.add(sub));
  req.on('close', () => set.delete(sub));
  if (typeof resume === 'string') await pull(sub);
});

async function main(): Promise<void> {
  await pool.query(SCHEMA);
  const listener = new Client({ connectionString: process.env.DATABASE_URL });
  await listener.connect();
  listener.on('notification', ({ payload }) => {
    for (const sub of subscribers.get(payload ?? '') ?? [])
      void pull(sub).catch(() => sub.res.end());
  });
  await listener.query('LISTEN baseline_events');
  const server = app.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}

void main();
