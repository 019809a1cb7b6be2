import type { SystemFigures } from './figures';
import { LoadGenerator } from './load/load-generator';
import type { Phase } from './load/protocol';
import { LOADS, LoadName, ScenarioName, Sizes } from './options';
import { createPlainTable, PostgresMeter } from './postgres';
import { round, ScenarioContext } from './scenarios/context';
import { producersShare } from './scenarios/producers';
import { runStorm } from './scenarios/storm';
import { openStreams, pacedLoad } from './scenarios/streams';
import type { SystemUnderTest } from './systems/system';

export interface BenchPlan {
  sizes: Sizes;
  scenarios: readonly ScenarioName[];
  log: (line: string) => void;
}

/**
 * Every scenario but the producers' ratio on one system: first, when it has a Postgres, the
 * producers' share of each paced load (a plain table, the service not started yet); then the
 * streams and the paced loads over them, in one start; then the storm, in a fresh start.
 */
export async function benchSystem(
  system: SystemUnderTest,
  plan: BenchPlan,
): Promise<SystemFigures> {
  const figures: SystemFigures = { described: '', loads: {}, errors: [] };
  const loads = LOADS.filter((name) => plan.scenarios.includes(name));
  const meter = system.postgresUrl ? await PostgresMeter.connect(system.postgresUrl) : undefined;
  let phase = 0;
  const attempt = async (name: string, body: (context: ScenarioContext) => Promise<void>) => {
    const load = new LoadGenerator(plan.sizes.clientWorkers, plan.sizes.producerWorkers);
    const context: ScenarioContext = {
      system,
      sizes: plan.sizes,
      load,
      meter,
      log: plan.log,
      nextPhase: (users, total): Phase => ({ phase: ++phase, users, total }),
    };
    try {
      await body(context);
    } catch (error) {
      plan.log(`${name} FAILED: ${(error as Error).message}`);
      figures.errors.push(`${name}: ${(error as Error).message}`);
    } finally {
      await load.close();
      await system.stop();
    }
  };
  try {
    const shares: Partial<Record<LoadName, number>> = {};
    if (meter && loads.length) {
      await attempt('producers’ share', async ({ load }) => {
        await createPlainTable(system.postgresUrl!);
        for (const name of loads) {
          const paced = plan.sizes.loads[name];
          shares[name] = await producersShare(
            system.postgresUrl!,
            paced,
            plan.sizes.plainSeconds,
            load,
            meter,
          );
          plan.log(`${name}: producers’ share ${shares[name]} ms of Postgres CPU per row`);
        }
      });
    }
    if (loads.length || plan.scenarios.includes('streams')) {
      await attempt('streams', async (context) => {
        await system.start();
        Object.assign(figures, await openStreams(context));
        for (const name of loads) {
          const load = await pacedLoad(context, name);
          const share = shares[name];
          if (share !== undefined) {
            load.cpu.producersShare = share;
            load.cpu.rest = round(load.cpu.total - share, 4);
          }
          figures.loads[name] = load;
        }
      });
    }
    if (plan.scenarios.includes('storm')) {
      await attempt('storm', async (context) => {
        await system.start();
        figures.storm = await runStorm(context);
      });
    }
    figures.described = system.describe();
    return figures;
  } finally {
    await meter?.close();
  }
}
