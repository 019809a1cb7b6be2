import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { useTracer } from './notifier-tracer';

/** Loaded only when tracing is on: the SDK costs over a second and 40 MB to load. */
type TracingSdk = typeof import('./tracing-sdk');

let sdk: TracingSdk | undefined;

/**
 * Starts OpenTelemetry before Nest loads `http` and `pg`, so their instrumentations apply, and
 * only when the standard variables ask for an exporter: otherwise nothing of the SDK is loaded.
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  const log = pino({ level: pino.levels.values[env.LOG_LEVEL ?? ''] ? env.LOG_LEVEL : 'info' });
  const destination = exportDestination(env);
  if (destination === undefined) {
    log.info(
      'Tracing off: set OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_TRACES_EXPORTER) to export spans',
    );
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load, see TracingSdk
  sdk = require('./tracing-sdk') as TracingSdk;
  sdk.startSdk(env);
  useTracer(trace.getTracer('notifier'));
  log.info(`Tracing on: exporting spans to ${destination}`);
}

/** Exports the spans still buffered: for shutdown, before the process exits. */
export async function stopTracing(): Promise<void> {
  await sdk?.stopSdk();
}

function exportDestination(env: NodeJS.ProcessEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const exporters = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporters === 'none') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (endpoint) return endpoint;
  return exporters ? `OTEL_TRACES_EXPORTER=${exporters}` : undefined;
}

startTracing();
