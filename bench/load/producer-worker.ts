import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { nowUs, Phase, serve } from './protocol';

/** Where producers send: a table over SQL (one connection per lane), or HTTP POSTs. */
export type ProducerTarget =
  { kind: 'sql'; url: string; table: string } | { kind: 'http'; port: number; pathPrefix: string };

export interface ProduceJob {
  phase: Phase;
  /** Notifications per second over all producer workers; 0: as fast as the lanes go. */
  rate: number;
  /** CLOCK_MONOTONIC µs at which sequence number 0 is due, the same for every worker. */
  startAtUs: number;
  worker: number;
  workers: number;
  /** Rows per statement at most: 1 is one transaction per notification. */
  batch: number;
  /** A lane starts at most one statement per this many ms (0: as soon as it is free). */
  restMs: number;
  /** User `i` is named `${userPrefix}${i}` in every system. */
  userPrefix: string;
}

/** The payload every producer sends: phase, sequence number, CLOCK_MONOTONIC µs it was due. */
const stampPayload = (phase: number, seq: number, dueUs: number): string =>
  `{"p":${phase},"s":${seq},"t":${dueUs}}`;

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
  const connection = { connectionString: target.url, application_name: 'bench-producer' };
  const clients = Array.from({ length: count }, () => new Client(connection));
  await Promise.all(clients.map((client) => client.connect()));
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
async function produce(job: ProduceJob) {
  const { phase, worker, workers, rate } = job;
  const mine = Math.max(0, Math.ceil((phase.total - worker) / workers));
  const seq = (k: number) => k * workers + worker;
  const due = (k: number) => (rate > 0 ? job.startAtUs + (seq(k) / rate) * 1e6 : 0);
  const result = { sent: 0, errors: 0, firstError: undefined as string | undefined };
  /** Sent − due, per row: how long rows waited for a free lane (the system holding them). */
  const waitsUs: number[] = [];
  const free = [...lanes];
  let freed = () => {};
  const laneFreed = () => new Promise<void>((resolve) => (freed = resolve));
  await until(job.startAtUs);
  const started = performance.now();
  for (let next = 0; next < mine;) {
    await new Promise(setImmediate); // let replies in, freeing lanes
    if (free.length === 0) {
      await laneFreed();
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
    for (const stamp of stamps) waitsUs.push(now - stamp);
    const users = ks.map((k) => `${job.userPrefix}${seq(k) % phase.users}`);
    const payloads = ks.map((k, i) => stampPayload(phase.phase, seq(k), stamps[i]));
    void lane
      .send(users, payloads, job.batch > 1)
      .then(
        () => void (result.sent += count),
        (error: Error) => {
          result.errors += count;
          result.firstError ??= error.message;
        },
      )
      .finally(() => {
        free.push(lane);
        freed();
      });
  }
  while (free.length < lanes.length) await laneFreed();
  const elapsedMs = performance.now() - started;
  return { ...result, elapsedMs, waitsUs };
}

/** Waits until CLOCK_MONOTONIC reaches `atUs`: a timer for most of it, then a precise block. */
async function until(atUs: number): Promise<void> {
  for (let left = atUs - nowUs(); left > 0; left = atUs - nowUs()) {
    if (left > 2_000) await sleep((left - 1_500) / 1000);
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

const handlers = { connect, produce, close: () => closeLanes() };
export type ProducerHandlers = typeof handlers;

serve(handlers);
