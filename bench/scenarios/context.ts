import { cpus } from 'node:os';
import type { CpuFigures } from '../figures';
import type { LoadGenerator, ProducerShape } from '../load/load-generator';
import type { Phase, StreamSpec } from '../load/protocol';
import type { ProducerMode, Sizes } from '../options';
import { PG_KINDS, PgKind, PostgresMeter, StatementCost } from '../postgres';
import { machineTicks, treeCpuMs } from '../systems/processes';
import type { SystemUnderTest } from '../systems/system';

/** What every scenario needs: the system, the sizes, the load, a meter, fresh phase numbers. */
export interface ScenarioContext {
  system: SystemUnderTest;
  sizes: Sizes;
  load: LoadGenerator;
  /** On the system's Postgres, when it has one. */
  meter?: PostgresMeter;
  log: (line: string) => void;
  nextPhase: (users: number, total: number) => Phase;
}

/** How producers send, per mode: a pool of 16 connections, or the batching producer of old. */
export const SHAPES: Record<ProducerMode, ProducerShape & { lanes: number }> = {
  single: { lanes: 16, batch: 1, restMs: 0 },
  batched: { lanes: 4, batch: 500, restMs: 5 },
};

export function streamSpecs(
  system: SystemUnderTest,
  userPrefix: string,
  users: number,
  streams: number,
): StreamSpec[] {
  return Array.from({ length: streams }, (_, i) => ({
    user: i % users,
    ...system.stream(`${userPrefix}${i % users}`),
  }));
}

export function assertOpened(result: { failed: number; firstError?: string }): void {
  if (result.failed > 0) {
    throw new Error(`${result.failed} streams failed to open, first: ${result.firstError}`);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Starts metering the CPU of `pids` (the service, with its descendants), of every process of
 * the Postgres behind `meter`, of the load generator and of the whole machine; the returned
 * function ends it and divides by the notifications sent.
 */
export async function cpuWindow(pids: number[], load: LoadGenerator, meter?: PostgresMeter) {
  const read = () => Promise.all([treeCpuMs(pids), treeCpuMs(load.pids), machineTicks()]);
  const [service, generator, machine] = await read();
  const endPostgres = await meter?.begin();
  return async (notifications: number) => {
    const postgres = await endPostgres?.();
    const [serviceEnd, generatorEnd, machineEnd] = await read();
    const per = (ms: number) => round(ms / Math.max(1, notifications), 4);
    const byKind = postgres
      ? (Object.fromEntries(PG_KINDS.map((kind) => [kind, per(postgres.cpuMs[kind])])) as Record<
          PgKind,
          number
        >)
      : undefined;
    const postgresMs = PG_KINDS.reduce((sum, kind) => sum + (postgres?.cpuMs[kind] ?? 0), 0);
    const cpu: CpuFigures = {
      service: per(serviceEnd - service),
      postgres: byKind,
      postgresTotal: per(postgresMs),
      total: per(serviceEnd - service + postgresMs),
      loadGenerator: per(generatorEnd - generator),
      machineBusyPercent: round(
        ((machineEnd.busy - machine.busy) / (machineEnd.all - machine.all)) * cpus().length * 100,
        1,
      ),
    };
    const statements: StatementCost[] = (postgres?.statements ?? [])
      .map((s) => ({ query: s.query, calls: per(s.calls), ms: per(s.ms) }))
      .filter((s) => s.ms > 0);
    return { cpu, statements };
  };
}
