import type { NotifierConfig } from '@app/config';

/** What a worker needs from the primary to be an instance: one validated config, one database. */
export interface InstanceSetup {
  config: NotifierConfig;
  databaseUrl: string;
}

/** Worker → primary. */
export type WorkerMessage = { type: 'setup-request' } | { type: 'listening' };

/** Primary → worker. */
export type PrimaryMessage = { type: 'setup'; setup: InstanceSetup };

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'setup-request' || type === 'listening';
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return (message as { type?: unknown } | null)?.type === 'setup';
}
