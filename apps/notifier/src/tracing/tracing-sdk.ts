import type { IncomingMessage } from 'node:http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { NodeSDK } from '@opentelemetry/sdk-node';

/** Probes and scrapes every few seconds would drown the traces that matter. */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

let sdk: NodeSDK | undefined;

/**
 * The Node SDK with spans only, exported as the standard OTEL_* variables say (endpoint,
 * protocol, headers, sampler): metrics stay on /metrics and logs on stdout.
 */
export function startSdk(env: NodeJS.ProcessEnv): void {
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ? undefined : 'notifier',
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request: IncomingMessage) =>
          UNTRACED_PATHS.test(request.url ?? ''),
      }),
      // Only queries made on behalf of something traced: not the listener, polls or campaigns.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Exports the spans still buffered; for shutdown, before the process exits. */
export async function stopSdk(): Promise<void> {
  await sdk?.shutdown();
}
