import { Agent, request } from 'node:http';
import { Client } from 'pg';
import { Histogram, nowUs } from './histogram';
import type { ProduceJob, ProducerCommand, ProducerResult, ProducerTarget } from './protocol';
import { stampPayload } from './protocol';
import { serveCommands } from './worker-ipc';

/** `batched`: one INSERT … SELECT FROM unnest of the rows; else one INSERT … VALUES, one row. */
type Send = (users: string[], payloads: string[], batched: boolean) => Promise<void>;

interface Lane {
  send: Send;
  /** CLOCK_MONOTONIC µs before which it may not start another statement (`restMs`). */
  readyAtUs: number;
}

let lanes: Lane[] = [];
let closeLanes = async () => {};
/** Blocks the thread for the last sub-millisecond of a wait: timers fire up to 1 ms late. */
const gate = new Int32Array(new SharedArrayBuffer(4));

async function connect(target: ProducerTarget, count: number): Promise<void> {
  await closeLanes();
  if (target.kind === 'http') {
    const agent = new Agent({ keepAlive: true, maxSockets: count });
    const send: Send = async (users, payloads) => {
      for (const [i, user] of users.entries())
        await post(agent, target.port, target.pathPrefix + user, payloads[i]);
    };
    lanes = Array.from({ length: count }, () => ({ send, readyAtUs: 0 }));
    closeLanes = () => Promise.resolve(agent.destroy()).then(() => void (lanes = []));
    return;
  }
  const clients = await Promise.all(
    Array.from({ length: count }, async () => {
      const client = new Client({
        connectionString: target.url,
        application_name: 'bench-producer',
      });
      await client.connect();
      return client;
    }),
  );
  const one = `INSERT INTO ${target.table} (user_id, type, payload) VALUES ($1, 'bench', $2)`;
  const many = `INSERT INTO ${target.table} (user_id, type, payload)
                SELECT u, 'bench', p FROM unnest($1::text[], $2::jsonb[]) AS rows(u, p)`;
  lanes = clients.map((client) => ({
    send: async (users, payloads, batched) =>
      void (batched
        ? await client.query(many, [users, payloads])
        : await client.query(one, [users[0], payloads[0]])),
    readyAtUs: 0,
  }));
  closeLanes = async () => {
    lanes = [];
    await Promise.all(clients.map((client) => client.end()));
  };
}

/**
 * Sends this worker's share of a phase (sequence numbers ≡ worker mod workers) open-loop: row
 * `s` is due at `startAtUs + s / rate` and stamped with that time, whatever the system does. A
 * free lane (connection) sends it when due; when every lane is busy, it waits for one, and that
 * wait is the system's, so it counts in the latency. Autocommit: one statement, one transaction.
 */
async function produce(job: ProduceJob): Promise<ProducerResult> {
  const { phase, worker, workers, rate } = job;
  const mine = Math.max(0, Math.ceil((phase.total - worker) / workers));
  const seq = (k: number) => k * workers + worker;
  const due = (k: number) => (rate > 0 ? job.startAtUs + (seq(k) / rate) * 1e6 : 0);
  const result = { sent: 0, errors: 0, firstError: undefined as string | undefined };
  const wait = new Histogram();
  const free = [...lanes];
  const inFlight = new Set<Promise<void>>();
  let freed = () => {};
  await until(job.startAtUs);
  const started = performance.now();
  for (let next = 0; next < mine;) {
    await new Promise(setImmediate); // let replies in, freeing lanes
    if (free.length === 0) {
      await new Promise<void>((resolve) => (freed = resolve));
      continue;
    }
    const lane = free.reduce((a, b) => (b.readyAtUs < a.readyAtUs ? b : a));
    await until(Math.max(due(next), lane.readyAtUs));
    const now = nowUs();
    let count = 1;
    while (count < job.batch && next + count < mine && due(next + count) <= now) count++;
    const ks = Array.from({ length: count }, (_, i) => next + i);
    next += count;
    free.splice(free.indexOf(lane), 1);
    lane.readyAtUs = now + job.restMs * 1000;
    const stamps = ks.map((k) => (rate > 0 ? due(k) : now));
    for (const stamp of stamps) wait.record(now - stamp);
    const users = ks.map((k) => `${job.userPrefix}${seq(k) % phase.users}`);
    const payloads = ks.map((k, i) => stampPayload(phase.phase, seq(k), stamps[i]));
    const sending = lane
      .send(users, payloads, job.batch > 1)
      .then(
        () => void (result.sent += count),
        (error: Error) => {
          result.errors += count;
          result.firstError ??= error.message;
        },
      )
      .finally(() => {
        inFlight.delete(sending);
        free.push(lane);
        freed();
      });
    inFlight.add(sending);
  }
  await Promise.all(inFlight);
  const elapsedMs = performance.now() - started;
  return { ...result, elapsedMs, wait: wait.toSparse(), waitMaxUs: wait.maxUs };
}

/** Waits until CLOCK_MONOTONIC reaches `atUs`: a timer for most of it, then a precise block. */
async function until(atUs: number): Promise<void> {
  for (let left = atUs - nowUs(); left > 0; left = atUs - nowUs()) {
    if (left > 2_000) await new Promise((resolve) => setTimeout(resolve, (left - 1_500) / 1000));
    else Atomics.wait(gate, 0, 0, left / 1000);
  }
}

function post(agent: Agent, port: number, path: string, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Length': body.length };
    const req = request(
      { agent, host: '127.0.0.1', port, path, method: 'POST', headers },
      (res) => {
        res.resume();
        res.on('end', () =>
          (res.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

serveCommands((command: ProducerCommand) => {
  if (command.cmd === 'connect') return connect(command.target, command.lanes);
  if (command.cmd === 'produce') return produce(command.job);
  return closeLanes();
});
