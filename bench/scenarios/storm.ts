import { readFile } from 'node:fs/promises';
import type { StormFigures } from '../figures';
import { nowUs } from '../load/histogram';
import type { Phase } from '../load/protocol';
import { assertOpened, round, ScenarioContext, sleep, streamSpecs } from './context';

/**
 * Every client sees one live event (to learn its Last-Event-ID), disconnects, falls `behind`
 * events back, then all reconnect at the same instant.
 */
export async function runStorm(context: ScenarioContext): Promise<StormFigures> {
  const { system, sizes, load, log, meter } = context;
  const { clients, behind, timeoutMs } = sizes.storm;
  const http = system.producer().kind === 'http';
  await load.connectProducers(system.producer(), http ? 32 : 4);
  const produce = (phase: Phase) =>
    load.produce(phase, 0, { batch: http ? 1 : 500, restMs: 0 }, 'storm-u');
  log(`storm: ${clients} clients connect and get one event each…`);
  assertOpened(await load.open(system.port, streamSpecs(system, 'storm-u', clients, clients)));
  await sleep(500);
  const marker = context.nextPhase(clients, clients);
  await load.startPhase(marker);
  await produce(marker);
  const seen = await load.awaitPhase(timeoutMs);
  if (seen.lost > 0) throw new Error(`storm setup: ${seen.lost} marker events never arrived`);

  await load.disconnect();
  const missed = context.nextPhase(clients, clients * behind);
  await load.startPhase(missed);
  log(`storm: ${missed.total} events while they are away…`);
  await produce(missed);
  await load.closeProducers();
  await system.settled();
  await sleep(500);

  log(`storm: ${clients} clients reconnect at once with Last-Event-ID…`);
  const endStatements = await meter?.begin();
  const dropsBefore = await listenDrops();
  const startUs = nowUs();
  const reopened = await load.reconnectAll();
  const outcome = await load.awaitPhase(timeoutMs);
  const figures: StormFigures = {
    clients,
    behind,
    catchUpS:
      outcome.completedAtUs === undefined
        ? null
        : round((outcome.completedAtUs - startUs) / 1e6, 3),
    lost: outcome.lost,
    duplicates: outcome.duplicates,
    reconnectFailures: reopened.failed,
    listenDrops: (await listenDrops()) - dropsBefore,
    sqlStatements: (await endStatements?.())?.calls,
  };
  log(
    `storm: caught up in ${figures.catchUpS ?? 'never'} s, lost ${figures.lost}, ` +
      `SQL statements ${figures.sqlStatements ?? '–'}, listen-queue drops ${figures.listenDrops}`,
  );
  return figures;
}

/**
 * The kernel's count of connections dropped on a full listen queue (machine-wide). A dropped
 * SYN is retried after 1 s, 3 s…, so these drops, not the server's work, can set the time.
 */
async function listenDrops(): Promise<number> {
  const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n');
  const header = lines.findIndex((line) => line.startsWith('TcpExt:'));
  const names = lines[header].split(/\s+/);
  return Number(lines[header + 1].split(/\s+/)[names.indexOf('ListenDrops')] ?? 0);
}
