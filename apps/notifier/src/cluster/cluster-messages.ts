import type { NotifierConfig } from '@app/config';

/** What a worker needs from the primary to be an instance: one validated config, one database. */
export interface InstanceSetup {
  config: NotifierConfig;
  databaseUrl: string;
}

/** One registry's metrics as `Registry.getMetricsAsJSON()` gives them. */
export type MetricsJson = object[];

/** Worker → primary. */
export type WorkerMessage =
  | { type: 'setup-request' }
  | { type: 'listening' }
  /** Scraped: the worker asks for every worker's metrics, aggregated. */
  | { type: 'metrics-request'; requestId: number }
  /** This worker's part of a collection the primary asked for, or why it has none. */
  | { type: 'metrics-part'; collectionId: number; metrics?: MetricsJson; error?: string };

/** Primary → worker. */
export type PrimaryMessage =
  | { type: 'setup'; setup: InstanceSetup }
  | { type: 'metrics-collect'; collectionId: number }
  | { type: 'metrics-answer'; requestId: number; text?: string; error?: string };

const WORKER_MESSAGES = new Set(['setup-request', 'listening', 'metrics-request', 'metrics-part']);
const PRIMARY_MESSAGES = new Set(['setup', 'metrics-collect', 'metrics-answer']);

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return WORKER_MESSAGES.has(typeOf(message));
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return PRIMARY_MESSAGES.has(typeOf(message));
}

function typeOf(message: unknown): string {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' ? type : '';
}
