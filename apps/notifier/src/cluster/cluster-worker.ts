import type { InstanceSetup, WorkerMessage } from './cluster-messages';
import { isPrimaryMessage } from './cluster-messages';

/**
 * The worker's side of the cluster: it asks the primary for its setup (the primary validated
 * the environment once and made the secrets, so every worker shares them) and reports when
 * it listens.
 */
export function receiveInstanceSetup(): Promise<InstanceSetup> {
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (!isPrimaryMessage(message) || message.type !== 'setup') return;
      process.off('message', onMessage);
      resolve(message.setup);
    };
    process.on('message', onMessage);
    tellPrimary({ type: 'setup-request' });
  });
}

export function tellPrimary(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * A worker stops when the primary forwards SIGTERM, when a terminal's signal reaches the whole
 * process group, or when the primary is gone (its IPC channel closes), so no worker outlives it.
 * Several of these arrive together on Ctrl+C; the first one starts the shutdown.
 */
export function onWorkerStopRequest(stop: (reason: string) => void): void {
  let requested = false;
  const request = (reason: string) => {
    if (requested) return;
    requested = true;
    stop(reason);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => request(`${signal} received`));
  }
  process.once('disconnect', () => request('the cluster primary is gone'));
}
