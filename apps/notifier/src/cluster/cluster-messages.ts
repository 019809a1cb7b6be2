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

/** Keyed by the unions' types, so that a message added to a union cannot be left out here. */
const WORKER_MESSAGES = new Set(
  Object.keys({
    'setup-request': true,
    listening: true,
    'metrics-request': true,
    'metrics-part': true,
  } satisfies Record<WorkerMessage['type'], true>),
);
const PRIMARY_MESSAGES = new Set(
  Object.keys({
    setup: true,
    'metrics-collect': true,
    'metrics-answer': true,
  } satisfies Record<PrimaryMessage['type'], true>),
);

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
