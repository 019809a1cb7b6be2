import { LoadGenerator } from '../load/load-generator';
import type { Phase, StreamSpec } from '../load/protocol';
import type { BenchOptions } from '../options';
import type { SystemUnderTest } from '../systems/system';

/** What every scenario needs: the system, the sizes, a logger and fresh phase numbers. */
export interface ScenarioContext {
  system: SystemUnderTest;
  options: BenchOptions;
  log: (line: string) => void;
  nextPhase: (users: number, total: number) => Phase;
  /** Where the scenario's measured load begins: the service's metrics are read from here on. */
  markLoadStart: () => Promise<void>;
}

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

/** A load generator sized by the options, closed whatever the scenario does. */
export async function withLoad<T>(
  options: BenchOptions,
  body: (load: LoadGenerator) => Promise<T>,
): Promise<T> {
  const load = new LoadGenerator(options.clientWorkers, options.producerWorkers);
  try {
    return await body(load);
  } finally {
    await load.close();
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function assertOpened(result: {
  opened: number;
  failed: number;
  firstError?: string;
}): void {
  if (result.failed > 0) {
    throw new Error(`${result.failed} streams failed to open, first: ${result.firstError}`);
  }
}
