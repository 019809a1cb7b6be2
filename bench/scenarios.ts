import { execFile } from 'node:child_process';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { CpuFigures, LoadFigures, RatioFigures, StormFigures, SystemFigures } from './figures';
import { LoadGenerator, ProducerShape } from './load/load-generator';
import { nowUs, Phase } from './load/protocol';
import { LOADS, LoadName, ProducerMode, ScenarioName, Sizes } from './options';
import { createPlainTable, PG_KINDS, PgKind, PLAIN_TABLE, PostgresMeter } from './postgres';
import { listenDrops, machineTicks, memoryKiB, treeCpuMs } from './processes';
import type { SystemUnderTest } from './systems';

export interface BenchPlan {
  sizes: Sizes;
  scenarios: readonly ScenarioName[];
  log: (line: string) => void;
}

/** How producers send, per mode: a pool of 16 connections, or the batching producer of old. */
const SHAPES: Record<ProducerMode, ProducerShape & { lanes: number }> = {
  single: { lanes: 16, batch: 1, restMs: 0 },
  batched: { lanes: 4, batch: 500, restMs: 5 },
};

const USER_PREFIX = 'u';
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Every scenario but the producers' ratio on one system: first, when it has a Postgres, the
 * producers' share of each paced load (a plain table, the service not started yet); then the
 * streams and the paced loads over them, in one start; then the storm, in a fresh start.
 */
export async function benchSystem(
  system: SystemUnderTest,
  plan: BenchPlan,
): Promise<SystemFigures> {
  const meter = system.postgresUrl ? await PostgresMeter.connect(system.postgresUrl) : undefined;
  try {
    return await new SystemBench(system, plan.sizes, plan.log, meter).run(plan.scenarios);
  } finally {
    await meter?.close();
  }
}

class SystemBench {
  private readonly figures: SystemFigures = { loads: {}, errors: [] };
  private phases = 0;

  constructor(
    private readonly system: SystemUnderTest,
    private readonly sizes: Sizes,
    private readonly log: (line: string) => void,
    /** On the system's Postgres, when it has one. */
    private readonly meter?: PostgresMeter,
  ) {}

  async run(scenarios: readonly ScenarioName[]): Promise<SystemFigures> {
    const loads = LOADS.filter((name) => scenarios.includes(name));
    const shares: Partial<Record<LoadName, number>> = {};
    if (this.meter && loads.length) {
      await this.attempt('producers’ share', async (load) => {
        await createPlainTable(this.system.postgresUrl!);
        for (const name of loads) shares[name] = await this.producersShare(load, name);
      });
    }
    if (loads.length || scenarios.includes('streams')) {
      await this.attempt('streams', async (load) => {
        await this.system.start();
        await this.openStreams(load);
        for (const name of loads)
          this.figures.loads[name] = await this.paced(load, name, shares[name]);
      });
    }
    if (scenarios.includes('storm')) {
      await this.attempt('storm', async (load) => {
        await this.system.start();
        this.figures.storm = await this.storm(load);
      });
    }
    return this.figures;
  }

  /** Runs one scenario with a load generator of its own; a failure is recorded, not thrown. */
  private async attempt(name: string, body: (load: LoadGenerator) => Promise<void>) {
    const load = new LoadGenerator(this.sizes.clientWorkers, this.sizes.producerWorkers);
    try {
      await body(load);
    } catch (error) {
      this.log(`${name} FAILED: ${(error as Error).message}`);
      this.figures.errors.push(`${name}: ${(error as Error).message}`);
    } finally {
      await load.close();
      await this.system.stop();
    }
  }

  /**
   * The producers' own share: Postgres CPU per row when the same producers, at the same rate
   * and in the same shape, insert into a plain table with the outbox's columns that nothing reads.
   */
  private async producersShare(load: LoadGenerator, name: LoadName): Promise<number> {
    const { rate, producer } = this.sizes.loads[name];
    const url = this.system.postgresUrl!;
    await load.connectProducers({ kind: 'sql', url, table: PLAIN_TABLE }, SHAPES[producer].lanes);
    const phase = { phase: 0, users: this.sizes.users, total: rate * this.sizes.plainSeconds };
    const endWindow = await this.meterCpu(load, []);
    const produced = await load.produce(phase, rate, SHAPES[producer], 'plain-u');
    const { cpu } = await endWindow(produced.sent);
    await load.closeProducers();
    if (produced.errors) throw new Error(`plain-table producers failed: ${produced.firstError}`);
    this.log(`${name}: producers’ share ${cpu.postgresTotal} ms of Postgres CPU per row`);
    return cpu.postgresTotal;
  }

  /** Opens the streams (timed once their tokens are signed), reads the memory they hold idle. */
  private async openStreams(load: LoadGenerator): Promise<void> {
    const { streams, users } = this.sizes;
    await sleep(1_000);
    const beforeKiB = await memoryKiB(this.system.pid());
    const specs = this.specs(USER_PREFIX, users, streams);
    const startUs = nowUs();
    await load.open(this.system.port, specs);
    const seconds = (nowUs() - startUs) / 1e6;
    await sleep(2_000);
    const afterKiB = await memoryKiB(this.system.pid());
    const perStreamKiB = round((afterKiB - beforeKiB) / streams);
    this.log(`${streams} streams opened in ${round(seconds, 3)} s; ${perStreamKiB} KiB each, idle`);
    this.figures.open = { streams, perS: Math.round(streams / seconds) };
    this.figures.memory = { beforeKiB, afterKiB, perStreamKiB };
  }

  /** One paced load over the open streams, CPU metered from the first send to the last delivery. */
  private async paced(load: LoadGenerator, name: LoadName, share?: number): Promise<LoadFigures> {
    const { rate, seconds, producer } = this.sizes.loads[name];
    await load.connectProducers(this.system.producer(), SHAPES[producer].lanes);
    const phase = { phase: ++this.phases, users: this.sizes.users, total: rate * seconds };
    await load.startPhase(phase);
    this.log(`${name}: ${phase.total} notifications at ${rate}/s, producer ${producer}…`);
    const startUs = nowUs();
    const endWindow = await this.meterCpu(load, [this.system.pid()]);
    const produced = await load.produce(phase, rate, SHAPES[producer], USER_PREFIX);
    const { latency, lost, duplicates } = await load.awaitPhase(this.sizes.timeoutMs);
    const { cpu, statements } = await endWindow(produced.sent);
    const windowS = round((nowUs() - startUs) / 1e6, 3);
    await load.closeProducers();
    if (share !== undefined)
      Object.assign(cpu, { producersShare: share, rest: round(cpu.total - share, 4) });
    const sentPerS = Math.round(produced.sent / (produced.elapsedMs / 1000));
    if (produced.firstError) this.log(`${name}: producers failed: ${produced.firstError}`);
    this.log(
      `${name}: sent ${sentPerS}/s, p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, ` +
        `lost ${lost}, duplicates ${duplicates}; CPU per notification: ` +
        `service ${cpu.service} ms, Postgres ${cpu.postgresTotal} ms`,
    );
    return {
      rate,
      producer,
      sent: produced.sent,
      sentPerS,
      producerErrors: produced.errors,
      windowS,
      lost,
      duplicates,
      ...latency,
      sendWaitP99Ms: produced.wait.p99Ms,
      cpu,
      statements,
    };
  }

  /**
   * Every client sees one live event (to learn its Last-Event-ID), disconnects, falls `behind`
   * events back, then all reconnect at the same instant.
   */
  private async storm(load: LoadGenerator): Promise<StormFigures> {
    const { system, log } = this;
    const { clients, behind } = this.sizes.storm;
    const { timeoutMs } = this.sizes;
    const http = system.producer().kind === 'http';
    await load.connectProducers(system.producer(), http ? 32 : 4);
    const produce = (phase: Phase) =>
      load.produce(phase, 0, { batch: http ? 1 : 500, restMs: 0 }, 'storm-u');
    log(`storm: ${clients} clients connect and get one event each…`);
    await load.open(system.port, this.specs('storm-u', clients, clients));
    await sleep(500);
    const marker = { phase: ++this.phases, users: clients, total: clients };
    await load.startPhase(marker);
    await produce(marker);
    const seen = await load.awaitPhase(timeoutMs);
    if (seen.lost > 0) throw new Error(`storm setup: ${seen.lost} marker events never arrived`);

    await load.disconnect();
    const missed = { phase: ++this.phases, users: clients, total: clients * behind };
    await load.startPhase(missed);
    log(`storm: ${missed.total} events while they are away…`);
    await produce(missed);
    await load.closeProducers();
    await system.settled();
    await sleep(500);

    log(`storm: ${clients} clients reconnect at once with Last-Event-ID…`);
    const endWindow = await this.meterCpu(load, [system.pid()]);
    const dropsBefore = await listenDrops();
    const startUs = nowUs();
    const reopened = await load.reconnectAll();
    const { completedAtUs, lost, duplicates } = await load.awaitPhase(timeoutMs);
    const catchUpS = completedAtUs === undefined ? null : round((completedAtUs - startUs) / 1e6, 3);
    const { cpu, calls } = await endWindow(clients);
    const figures: StormFigures = {
      clients,
      behind,
      catchUpS,
      lost,
      duplicates,
      reconnectFailures: reopened.failed,
      listenDrops: (await listenDrops()) - dropsBefore,
      sqlStatements: calls,
      cpu: { service: cpu.service, postgres: cpu.postgresTotal },
    };
    log(
      `storm: caught up in ${catchUpS ?? 'never'} s, lost ${lost}, ` +
        `SQL statements ${figures.sqlStatements ?? '–'}, listen-queue drops ${figures.listenDrops}; ` +
        `CPU per client: service ${cpu.service} ms, Postgres ${cpu.postgresTotal} ms`,
    );
    return figures;
  }

  private specs(userPrefix: string, users: number, streams: number) {
    return Array.from({ length: streams }, (_, i) => ({
      user: i % users,
      ...this.system.stream(`${userPrefix}${i % users}`),
    }));
  }

  /**
   * Starts metering the CPU of `pids` (the service, with its descendants), of every process of
   * its Postgres, of the load generator and of the whole machine; the returned function ends
   * it and divides by the notifications sent (or clients resumed).
   */
  private async meterCpu(load: LoadGenerator, pids: number[]) {
    const read = () => Promise.all([treeCpuMs(pids), treeCpuMs(load.pids), machineTicks()]);
    const [service, generator, machine] = await read();
    const endPostgres = await this.meter?.begin();
    return async (notifications: number) => {
      const postgres = await endPostgres?.();
      const [serviceEnd, generatorEnd, machineEnd] = await read();
      const per = (ms: number) => round(ms / Math.max(1, notifications), 4);
      const byKind = postgres && PG_KINDS.map((kind) => [kind, per(postgres.cpuMs[kind])]);
      const postgresMs = PG_KINDS.reduce((sum, kind) => sum + (postgres?.cpuMs[kind] ?? 0), 0);
      const busy = (machineEnd.busy - machine.busy) / (machineEnd.all - machine.all);
      const cpu: CpuFigures = {
        service: per(serviceEnd - service),
        postgres: byKind && (Object.fromEntries(byKind) as Record<PgKind, number>),
        postgresTotal: per(postgresMs),
        total: per(serviceEnd - service + postgresMs),
        loadGenerator: per(generatorEnd - generator),
        machineBusyPercent: round(busy * cpus().length * 100, 1),
      };
      const statements = (postgres?.statements ?? [])
        .map((s) => ({ query: s.query, calls: per(s.calls), ms: per(s.ms) }))
        .filter((s) => s.ms > 0);
      return { cpu, statements, calls: postgres?.calls };
    };
  }
}

/**
 * What being watched costs producers: `clients` pgbench clients in a closed loop, each
 * transaction one single-row INSERT, into the outbox and then into the plain table, while the
 * service runs; the ratio of the two commit rates.
 */
export async function producersRatio(
  url: string,
  { clients, seconds }: Sizes['producers'],
): Promise<RatioFigures> {
  const tps = async (table: string) => {
    const pgbench = promisify(execFile)('pgbench', [
      ...['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds)],
      ...['-f', '-', url],
    ]);
    pgbench.child.stdin!.end(
      `INSERT INTO ${table} (user_id, type, payload) VALUES ('producer-' || :client_id, 'bench', '{"n": 1}');\n`,
    );
    const { stdout } = await pgbench;
    const found = /tps = ([\d.]+)/.exec(stdout)?.[1];
    if (!found) throw new Error(`pgbench printed no tps: ${stdout}`);
    return Number(found);
  };
  const outboxTps = round(await tps('notification_outbox'), 0);
  const plainTps = round(await tps(PLAIN_TABLE), 0);
  return { outboxTps, plainTps, ratio: round(outboxTps / plainTps, 3) };
}
