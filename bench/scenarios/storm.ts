import { nowUs } from '../load/histogram';
import type { Phase } from '../load/protocol';
import type { StatementStats } from '../postgres';
import { assertOpened, ScenarioContext, sleep, streamSpecs, withLoad } from './context';
import { round } from './latency';
import { listenDrops } from './listen-drops';

export interface StormResult {
  clients: number;
  behind: number;
  /** From the reconnect order to the last client holding all it missed; null if it never did. */
  catchUpS: number | null;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  reconnectFailures: number;
  /** SYNs the kernel dropped on full listen queues during the storm (machine-wide). */
  listenDrops: number;
  /** Statements the system ran during the storm (pg_stat_statements), null without SQL. */
  sqlStatements: number | null;
  /** The statements run most during the storm, with their call counts. */
  topStatements: { query: string; calls: number }[];
}

/**
 * Every client sees one live event (to learn its Last-Event-ID), disconnects, falls
 * `behind` events back, then all reconnect at the same instant.
 */
export async function runStorm(context: ScenarioContext): Promise<StormResult> {
  const { system, options, log } = context;
  const { clients, behind, timeoutMs } = options.storm;
  return withLoad(options, async (load) => {
    const produce = (phase: Phase) =>
      load.produce({
        target: system.producer(),
        phase,
        rate: 0,
        userPrefix: 'storm-u',
        producers: options.producerWorkers,
        connections: system.producer().kind === 'http' ? 32 : 4,
        maxBatch: 500,
      });
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
    await system.settled();
    await sleep(500);

    await context.markLoadStart();
    const statementsBefore = await system.sqlStatements();
    log(`storm: ${clients} clients reconnect at once with Last-Event-ID…`);
    const dropsBefore = await listenDrops();
    const startUs = nowUs();
    const reopened = await load.reconnectAll();
    const outcome = await load.awaitPhase(timeoutMs);
    const statementsAfter = await system.sqlStatements();
    const dropsAfter = await listenDrops();
    const result: StormResult = {
      clients,
      behind,
      catchUpS:
        outcome.completedAtUs === undefined
          ? null
          : round((outcome.completedAtUs - startUs) / 1e6, 3),
      expected: outcome.expected,
      delivered: outcome.delivered,
      lost: outcome.lost,
      duplicates: outcome.duplicates + outcome.misrouted,
      reconnectFailures: reopened.failed,
      listenDrops: dropsAfter - dropsBefore,
      ...statementDelta(statementsBefore, statementsAfter),
    };
    log(
      `storm: caught up in ${result.catchUpS ?? 'never'} s, lost ${result.lost}, ` +
        `SQL statements ${result.sqlStatements ?? 'n/a'}, listen-queue drops ${result.listenDrops}`,
    );
    return result;
  });
}

function statementDelta(
  before: StatementStats | undefined,
  after: StatementStats | undefined,
): Pick<StormResult, 'sqlStatements' | 'topStatements'> {
  if (!before || !after) return { sqlStatements: null, topStatements: [] };
  const delta = Object.entries(after)
    .map(([query, { calls }]) => ({
      query: query.replace(/\s+/g, ' '),
      calls: calls - (before[query]?.calls ?? 0),
    }))
    .filter((entry) => entry.calls > 0)
    .sort((a, b) => b.calls - a.calls);
  return {
    sqlStatements: delta.reduce((sum, entry) => sum + entry.calls, 0),
    topStatements: delta.slice(0, 5),
  };
}
