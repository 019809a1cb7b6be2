import {
  Context,
  context,
  Link,
  ROOT_CONTEXT,
  SpanContext,
  SpanStatusCode,
  trace,
  Tracer,
} from '@opentelemetry/api';

/** A log row as the delivery span sees it. */
export interface TracedRow {
  id: string;
  traceparent?: string | null;
}

export const INGEST_SPAN = 'notifier.ingest';
export const DELIVER_SPAN = 'notifier.deliver';
export const IDS_ATTRIBUTE = 'notifier.notification.ids';
export const COUNT_ATTRIBUTE = 'notifier.notification.count';

/** Set once by `startTracing`: until then every helper below only runs what it wraps. */
let tracer: Tracer | undefined;

export function useTracer(active: Tracer): void {
  tracer = active;
}

/**
 * One span per drain batch that moved rows. Its parent or links are the producers' trace
 * contexts, known only once the drain returned, so the span is opened then with the drain's
 * start time.
 */
export async function traceIngestBatch<T extends { rows: readonly TracedRow[] }>(
  drain: () => Promise<T>,
): Promise<T> {
  if (!tracer) return drain();
  const startTime = new Date();
  let batch: T;
  try {
    batch = await drain();
  } catch (error) {
    const span = tracer.startSpan(INGEST_SPAN, { startTime }, ROOT_CONTEXT);
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    span.end();
    throw error;
  }
  if (batch.rows.length > 0) {
    const { parent, links } = placement(traceparentsOf(batch.rows));
    const ids = batch.rows.map((row) => row.id);
    tracer
      .startSpan(
        INGEST_SPAN,
        { startTime, links, attributes: { [IDS_ATTRIBUTE]: ids, [COUNT_ATTRIBUTE]: ids.length } },
        parent,
      )
      .end();
  }
  return batch;
}

/** One span per page of log rows handed to this instance's open streams. */
export function traceDeliveryBatch(rows: readonly TracedRow[], dispatch: () => void): void {
  if (!tracer || rows.length === 0) return dispatch();
  const { parent, links } = placement(traceparentsOf(rows));
  const span = tracer.startSpan(
    DELIVER_SPAN,
    {
      links,
      attributes: { [IDS_ATTRIBUTE]: rows.map((row) => row.id), [COUNT_ATTRIBUTE]: rows.length },
    },
    parent,
  );
  try {
    context.with(trace.setSpan(parent, span), dispatch);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The distinct producer trace contexts among rows. */
function traceparentsOf(rows: readonly TracedRow[]): string[] {
  const traceparents = new Set<string>();
  for (const row of rows) if (row.traceparent) traceparents.add(row.traceparent);
  return [...traceparents];
}

/**
 * A batch of one producer's rows becomes a child of that producer's span; a batch of several
 * producers' rows cannot have several parents, so it starts a trace of its own linked to each.
 */
function placement(traceparents: readonly string[]): { parent: Context; links: Link[] } {
  const producers = traceparents.flatMap((traceparent) => parseTraceparent(traceparent) ?? []);
  if (producers.length === 1) {
    return { parent: trace.setSpanContext(ROOT_CONTEXT, producers[0]), links: [] };
  }
  return { parent: ROOT_CONTEXT, links: producers.map((producer) => ({ context: producer })) };
}

/** `00-<trace id>-<span id>-<flags>`, as the tables' CHECK admits it; else undefined. */
export function parseTraceparent(traceparent: string): SpanContext | undefined {
  const match = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  if (!match) return undefined;
  const spanContext = {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
  };
  return trace.isSpanContextValid(spanContext) ? spanContext : undefined;
}
