import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RatioFigures } from '../figures';
import type { LoadGenerator } from '../load/load-generator';
import type { PacedLoad } from '../options';
import { PLAIN_TABLE, PostgresMeter } from '../postgres';
import { cpuWindow, round, SHAPES } from './context';

const run = promisify(execFile);

/**
 * The producers' own share: Postgres CPU per row when the same producers, at the same rate and
 * in the same shape, insert into a plain table with the outbox's columns that nothing reads.
 */
export async function producersShare(
  url: string,
  paced: PacedLoad,
  seconds: number,
  load: LoadGenerator,
  meter: PostgresMeter,
): Promise<number> {
  const shape = SHAPES[paced.producer];
  await load.connectProducers({ kind: 'sql', url, table: PLAIN_TABLE }, shape.lanes);
  const phase = { phase: 0, users: 1_000, total: paced.rate * seconds };
  const endWindow = await cpuWindow([], load, meter);
  const produced = await load.produce(phase, paced.rate, shape, 'plain-u');
  const { cpu } = await endWindow(produced.sent);
  await load.closeProducers();
  if (produced.errors) throw new Error(`plain-table producers failed: ${produced.firstError}`);
  return cpu.postgresTotal;
}

/**
 * What being watched costs producers: `clients` pgbench clients in a closed loop, each
 * transaction one single-row INSERT, into the outbox and then into the plain table, while the
 * service runs; the ratio of the two commit rates.
 */
export async function producersRatio(
  url: string,
  { clients, seconds }: { clients: number; seconds: number },
): Promise<RatioFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'notifier-bench-pgbench-'));
  try {
    const tps = async (table: string) => {
      const script = join(dir, `${table}.sql`);
      await writeFile(
        script,
        `INSERT INTO ${table} (user_id, type, payload) VALUES ('producer-' || :client_id, 'bench', '{"n": 1}');\n`,
      );
      const { stdout } = await run('pgbench', [
        ...['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds)],
        ...['-f', script, url],
      ]);
      const found = /tps = ([\d.]+)/.exec(stdout)?.[1];
      if (!found) throw new Error(`pgbench printed no tps: ${stdout}`);
      return Number(found);
    };
    const outboxTps = round(await tps('notification_outbox'), 0);
    const plainTps = round(await tps(PLAIN_TABLE), 0);
    return { outboxTps, plainTps, ratio: round(outboxTps / plainTps, 3) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
