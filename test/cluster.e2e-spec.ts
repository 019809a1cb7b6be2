import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './support/free-port';
import { useDatabase } from './support/notifier-fixture';
import { NotifierProcess } from './support/notifier-process';
import type { ServiceInstance } from './support/service-process';
import { SseRecording } from './support/sse-client';
import { TEST_ADMIN_TOKEN, tokenFor } from './support/tokens';
import { uniqueUser } from './support/users';
import { waitFor, waitForAsync } from './support/wait-for';
import { sample } from './support/metrics';

/** Three processes start on a shared 2-core machine; every wait below is bounded. */
jest.setTimeout(90_000);

interface Stats {
  instanceId: string;
  ingestLeader: boolean;
  connections: { total: number };
}

/** `/admin/stats` over a connection of its own, so the cluster may hand it to any worker. */
function statsOnNewConnection(baseUrl: string): Promise<Stats> {
  return new Promise((resolve, reject) => {
    const request = get(
      `${baseUrl}/admin/stats`,
      { agent: false, headers: { Authorization: `Bearer ${TEST_ADMIN_TOKEN}` } },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve(JSON.parse(body) as Stats));
      },
    );
    request.on('error', reject);
  });
}

/** `/metrics` over a connection of its own, so the cluster may hand it to any worker. */
function metricsOnNewConnection(baseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(`${baseUrl}/metrics`, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () =>
        response.statusCode === 200
          ? resolve(body)
          : reject(new Error(`/metrics answered ${response.statusCode}: ${body}`)),
      );
    });
    request.on('error', reject);
  });
}

/** What each instance answering on the port says of itself, by instance id. */
async function instancesAnswering(baseUrl: string, connections = 12): Promise<Map<string, Stats>> {
  const seen = new Map<string, Stats>();
  for (let i = 0; i < connections; i++) {
    const stats = await statsOnNewConnection(baseUrl);
    seen.set(stats.instanceId, stats);
  }
  return seen;
}

const workerPids = (output: string) =>
  [...output.matchAll(/"workerPid":(\d+)[^\n]*"msg":"Worker started"/g)].map(([, pid]) =>
    Number(pid),
  );

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('NOTIFIER_WORKERS=2: two worker processes on one port', () => {
  const { producer, startService } = useDatabase();
  let service: ServiceInstance;
  const streams: SseRecording[] = [];

  beforeAll(async () => {
    service = await startService({ NOTIFIER_WORKERS: '2' });
  });

  afterAll(() => {
    for (const stream of streams) stream.close();
  });

  it('answers from two instances, exactly one of them leading ingestion', async () => {
    await waitForAsync(
      async () =>
        [...(await instancesAnswering(service.baseUrl)).values()].some((s) => s.ingestLeader),
      'one worker to take the ingest lead',
    );
    const instances = [...(await instancesAnswering(service.baseUrl)).values()];
    expect(instances).toHaveLength(2);
    expect(instances.filter((stats) => stats.ingestLeader)).toHaveLength(1);
    expect(workerPids(service.process.stdout)).toHaveLength(2);
  });

  it('delivers a notification to the user’s streams on both workers', async () => {
    const user = uniqueUser();
    const token = tokenFor(user);
    const holdsStreams = async () =>
      [...(await instancesAnswering(service.baseUrl)).values()].filter(
        (stats) => stats.connections.total > 0,
      ).length === 2;
    while (!(await holdsStreams())) {
      expect(streams.length).toBeLessThan(12);
      streams.push(
        await SseRecording.open(`${service.baseUrl}/users/me/events`, {
          Authorization: `Bearer ${token}`,
        }),
      );
    }
    await waitFor(() => streams.every((stream) => stream.retry !== undefined), 'every stream open');

    await producer.notify(user, { hello: 'both' });
    for (const stream of streams) {
      const [message] = await stream.waitForMessages(1);
      expect(JSON.parse(message.data)).toMatchObject({ payload: { hello: 'both' } });
    }
  });

  it('shows every worker in one scrape of /metrics, whichever worker answers it', async () => {
    for (let i = 0; i < 6; i++) {
      const exposition = await metricsOnNewConnection(service.baseUrl);
      expect({
        openConnections: sample(exposition, 'notifier_open_connections'),
        ingestLeaders: sample(exposition, 'notifier_ingest_leader'),
        listenersConnected: sample(exposition, 'notifier_listener_connected'),
        delivered: sample(exposition, 'notifier_notifications_delivered_total'),
      }).toEqual({
        openConnections: streams.length,
        ingestLeaders: 1,
        listenersConnected: 1,
        delivered: streams.length,
      });
    }
  });

  it('restarts a worker that dies, and logs it', async () => {
    const [victim] = workerPids(service.process.stdout);
    const before = new Set((await instancesAnswering(service.baseUrl)).keys());
    process.kill(victim, 'SIGKILL');
    await service.process.waitForOutput(/"signal":"SIGKILL".*"msg":"Worker died: restarting it"/);
    // Meanwhile a scrape still answers, from the workers that listen.
    expect(
      sample(await metricsOnNewConnection(service.baseUrl), 'notifier_listener_connected'),
    ).toBe(1);

    // A worker's ts-node start takes 5 s on a quiet machine and over 20 s on a busy one.
    await service.process.waitForOutput(
      /"signal":"SIGKILL".*"msg":"Worker died: restarting it"[^]*"msg":"Worker listening"/,
    );
    await waitForAsync(async () => {
      const now = [...(await instancesAnswering(service.baseUrl)).keys()];
      return now.length === 2 && now.some((id) => !before.has(id));
    }, 'a new worker to answer next to the survivor');
    expect(workerPids(service.process.stdout)).toHaveLength(3);
  });

  it('on SIGTERM, stops every worker, one still starting, and exits 0', async () => {
    const [, , listening] = workerPids(service.process.stdout);
    process.kill(listening, 'SIGKILL');
    await waitFor(() => workerPids(service.process.stdout).length === 4, 'a fourth worker');
    const pids = workerPids(service.process.stdout);
    expect(await service.process.stop('SIGTERM')).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(service.process.stdout).toMatch(/"msg":"SIGTERM received: stopping 2 workers"/);
  });
});

describe('NOTIFIER_WORKERS=2 without DATABASE_URL', () => {
  it('starts the embedded PostgreSQL once, in the primary, and stops it after the workers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'notifier-cluster-'));
    await chmod(dir, 0o755);
    const service = NotifierProcess.start(
      {
        NOTIFIER_WORKERS: '2',
        PORT: String(await freePort()),
        EMBEDDED_POSTGRES_PORT: String(await freePort()),
      },
      dir,
    );
    try {
      const [, printedUrl] = await service.waitForOutput(/psql '(\S+)' -c/);
      const client = new Client({ connectionString: printedUrl });
      await client.connect();
      const { rows } = await client.query<{ count: string }>(
        `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      // The cluster's folder depends on who runs it (as root it lives outside the tree).
      const [{ data_directory }] = (
        await client.query<{ data_directory: string }>('SHOW data_directory')
      ).rows;
      const postmasterPid = Number(
        (await readFile(join(data_directory, 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      await client.end();
      expect(Number(rows[0].count)).toBeGreaterThan(0);
      expect(service.stdout.match(/Notifier is listening on/g)).toHaveLength(1);

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(isAlive(postmasterPid)).toBe(false);
    } finally {
      await service.stop('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
