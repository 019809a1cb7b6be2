import { TestEnvironment } from 'jest-environment-node';

/** What the sandbox reads: the warnings the worker process emitted since the last check. */
export const WARNINGS_GLOBAL = 'notifierProcessWarnings';

/** Warnings that mean a defect: a listener added per use and never removed, or an API that the next major of Node or of a dependency drops. */
const DEFECTS = new Set(['MaxListenersExceededWarning', 'DeprecationWarning']);

/**
 * Node's test environment, which also records the worker's warnings. Node emits them on the
 * real `process`, which the test's sandbox never sees (it gets a copy), so only the
 * environment, which runs outside the sandbox, can listen for them.
 */
export default class WarningsEnvironment extends TestEnvironment {
  private readonly warnings: string[] = [];
  private readonly onWarning = (warning: Error) => {
    if (DEFECTS.has(warning.name)) this.warnings.push(`${warning.name}: ${warning.message}`);
  };

  override async setup(): Promise<void> {
    await super.setup();
    this.global[WARNINGS_GLOBAL] = this.warnings;
    process.on('warning', this.onWarning);
  }

  override async teardown(): Promise<void> {
    process.off('warning', this.onWarning);
    await super.teardown();
  }
}
