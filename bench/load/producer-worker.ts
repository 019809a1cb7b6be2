import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { nowUs } from './histogram';
import type { ProducerJob, ProducerResult } from './protocol';
import { stampPayload } from './protocol';
import { serveCommands } from './worker-ipc';

/**
 * Sends this worker's share of a phase (sequence numbers ≡ worker mod workers) on a fixed
 * schedule, over `connections` parallel transactions or HTTP requests. Each notification
 * is stamped just before the statement (or POST) that carries it leaves.
 */
const INSERT = {
  notifier: `INSERT INTO notification_outbox (user_id, type, payload)
             SELECT u, 'bench', p FROM unnest($1::text[], $2::jsonb[]) AS rows(u, p)`,
  baseline: `INSERT INTO baseline_events (user_id, payload)
             SELECT u, p FROM unnest($1::text[], $2::jsonb[]) AS rows(u, p)`,
};

type Send = (seqs: number[]) => Promise<void>;

/**
 * A lane starts at most one statement (or round of POSTs) per this interval. Without it a lane
 * sends as soon as its previous commit returns, so a system that commits faster is sent more,
 * smaller transactions: the producers' own cost on the shared machine would follow the system
 * under test instead of the offered rate. Each row is stamped when it leaves, so the wait is
 * not counted as latency.
 */
const LANE_INTERVAL_MS = 5;

async function run(job: ProducerJob): Promise<ProducerResult> {
  const { phase, worker, workers } = job;
  const mine = Math.max(0, Math.ceil((phase.total - worker) / workers));
  // JSON over IPC cannot carry Infinity, so an unthrottled job says rate 0.
  const perSecond = job.rate > 0 ? job.rate / workers : Infinity;
  const result: ProducerResult = { sent: 0, errors: 0, elapsedMs: 0 };
  const { senders, close } = await connect(job);
  const started = performance.now();
  let next = 0;

  const lane = async (send: Send) => {
    let lastSentAt = -Infinity;
    while (next < mine) {
      const resting = lastSentAt + LANE_INTERVAL_MS - performance.now();
      if (resting > 0) await sleep(resting);
      const due = Math.min(
        mine,
        Math.floor(((performance.now() - started) / 1000) * perSecond) + 1,
      );
      if (next >= due) {
        await sleep(((next + 1) / perSecond) * 1000 - (performance.now() - started));
        continue;
      }
      const count = Math.min(due - next, job.maxBatch);
      const seqs = Array.from({ length: count }, (_, k) => (next + k) * workers + worker);
      next += count;
      lastSentAt = performance.now();
      await send(seqs).then(
        () => (result.sent += count),
        (error: Error) => {
          result.errors += count;
          result.firstError ??= error.message;
        },
      );
    }
  };
  await Promise.all(senders.map(lane));
  result.elapsedMs = performance.now() - started;
  await close();
  return result;
}

async function connect(job: ProducerJob): Promise<{ senders: Send[]; close: () => Promise<void> }> {
  const { target, phase, userPrefix } = job;
  const user = (seq: number) => `${userPrefix}${seq % phase.users}`;
  if (target.kind === 'http') {
    const agent = new Agent({ keepAlive: true, maxSockets: job.connections });
    const send: Send = async (seqs) => {
      for (const seq of seqs) {
        const body = stampPayload(phase.phase, seq, nowUs());
        await post(agent, target.port, `${target.pathPrefix}${user(seq)}`, body);
      }
    };
    return {
      senders: Array.from({ length: job.connections }, () => send),
      close: () => Promise.resolve(agent.destroy()),
    };
  }
  const clients = await Promise.all(
    Array.from({ length: job.connections }, async () => {
      const client = new Client({ connectionString: target.url });
      await client.connect();
      return client;
    }),
  );
  const sql = INSERT[target.insert];
  return {
    senders: clients.map((client) => async (seqs: number[]) => {
      const stamp = nowUs();
      const payloads = seqs.map((seq) => stampPayload(phase.phase, seq, stamp));
      await client.query(sql, [seqs.map(user), payloads]);
    }),
    close: async () => void (await Promise.all(clients.map((client) => client.end()))),
  };
}

function post(agent: Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'Content-Length': body.length },
      },
      (response) => {
        response.resume();
        response.on('end', () =>
          (response.statusCode ?? 0) < 300
            ? resolve()
            : reject(new Error(`HTTP ${response.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

serveCommands((job: ProducerJob) => run(job));
