import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useDatabase } from './support/notifier-fixture';
import type { ServiceInstance } from './support/service-process';
import { SseRecording } from './support/sse-client';
import { tokenFor } from './support/tokens';
import { uniqueUser } from './support/users';
import { sleep, waitFor } from './support/wait-for';

/** A service process starts in seconds, slower on a busy 2-core CI machine. */
jest.setTimeout(90_000);

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: Record<string, unknown> }[];
  links?: { traceId: string; spanId: string }[];
}

/** An OTLP/HTTP receiver of the test's own: it keeps every span POSTed to /v1/traces (JSON). */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly requests: string[] = [];

  private constructor(private readonly server: Server) {}

  static async start(port = 0): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server);
    server.on('request', (request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        receiver.requests.push(`${request.method} ${request.url}`);
        if (request.url === '/v1/traces') receiver.receive(body);
        response.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  spansOf(traceId: string): ExportedSpan[] {
    return this.spans.filter(
      (span) => span.traceId === traceId || span.links?.some((link) => link.traceId === traceId),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(body: string): void {
    const request = JSON.parse(body);
    for (const resource of request.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) this.spans.push(...scope.spans);
    }
  }
}

const attribute = (span: ExportedSpan, key: string) =>
  span.attributes.find((candidate) => candidate.key === key)?.value;

const stringArray = (value: Record<string, unknown> | undefined) =>
  ((value?.arrayValue as { values?: { stringValue: string }[] })?.values ?? []).map(
    (item) => item.stringValue,
  );

/** A producer's W3C trace context: version 00, a trace id, its span id, sampled. */
function producerContext(): { traceId: string; spanId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

describe('tracing with an OTLP endpoint set', () => {
  const { producer, startService } = useDatabase();
  let receiver: OtlpReceiver;
  let service: ServiceInstance;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    service = await startService({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: 'notifier-under-test',
    });
  }, 90_000);

  afterAll(() => receiver?.close());

  it('says so at start-up', () => {
    expect(service.process.stdout).toMatch(/"msg":"Tracing on: exporting spans to [^"]+"/);
  });

  it('puts the drain and the live delivery of a notification in its producer’s trace', async () => {
    const user = uniqueUser('traced');
    const stream = await SseRecording.open(`${service.baseUrl}/users/me/events`, {
      Authorization: `Bearer ${tokenFor(user)}`,
    });
    await waitFor(() => stream.retry !== undefined, 'the stream to open');
    const context = producerContext();
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, traceparent) VALUES ($1, $2)`,
      [user, context.traceparent],
    );
    await stream.waitForMessages(1);
    stream.close();
    const [id] = await producer.logIds(user);

    const named = (name: string) =>
      receiver.spansOf(context.traceId).find((span) => span.name === name);
    await waitFor(
      () => named('notifier.ingest') !== undefined && named('notifier.deliver') !== undefined,
      'the ingest and delivery spans to be exported',
    );
    const ingest = named('notifier.ingest')!;
    expect(ingest).toMatchObject({ traceId: context.traceId, parentSpanId: context.spanId });
    expect(stringArray(attribute(ingest, 'notifier.notification.ids'))).toEqual([id]);
    expect(attribute(ingest, 'notifier.notification.count')).toEqual({ intValue: 1 });
    const deliver = named('notifier.deliver')!;
    expect(deliver).toMatchObject({ traceId: context.traceId, parentSpanId: context.spanId });
    expect(stringArray(attribute(deliver, 'notifier.notification.ids'))).toEqual([id]);
  });

  it('links a batch of several producers’ rows to each of their traces', async () => {
    const user = uniqueUser('linked');
    const [first, second] = [producerContext(), producerContext()];
    // One statement commits both rows at once, so one drain takes them together.
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, traceparent) VALUES ($1, $2), ($1, $3)`,
      [user, first.traceparent, second.traceparent],
    );
    const ids = await producer.waitForLogIds(user, 2);

    const ingestOf = (traceId: string) =>
      receiver.spansOf(traceId).find((span) => span.name === 'notifier.ingest');
    await waitFor(
      () => ingestOf(first.traceId) !== undefined && ingestOf(second.traceId) !== undefined,
      'the ingest span to be exported',
    );
    const ingest = ingestOf(first.traceId)!;
    expect(ingestOf(second.traceId)).toBe(ingest);
    expect(ingest.links).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ traceId: first.traceId, spanId: first.spanId }),
        expect.objectContaining({ traceId: second.traceId, spanId: second.spanId }),
      ]),
    );
    expect(stringArray(attribute(ingest, 'notifier.notification.ids'))).toEqual(ids);
  });

  it('refuses a traceparent that is not W3C trace context, naming the rule', async () => {
    await expect(
      producer.pool.query(
        `INSERT INTO notification_outbox (user_id, traceparent) VALUES ($1, $2)`,
        [uniqueUser(), '00-not-a-trace-01'],
      ),
    ).rejects.toThrow(/outbox_traceparent_is_w3c_trace_context/);
  });
});

describe('tracing without OTel variables', () => {
  const { producer, startService } = useDatabase();
  let receiver: OtlpReceiver;
  let service: ServiceInstance;

  beforeAll(async () => {
    // The port an OTLP exporter sends to when no endpoint is set: it must hear nothing.
    receiver = await OtlpReceiver.start(4318);
    service = await startService({
      OTEL_SERVICE_NAME: 'notifier-untraced',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  }, 90_000);

  afterAll(() => receiver?.close());

  it('starts no exporter and says tracing is off', async () => {
    expect(service.process.stdout).toMatch(/"msg":"Tracing off[^"]*OTEL_EXPORTER_OTLP_ENDPOINT/);
    const user = uniqueUser('untraced');
    await producer.pool.query(
      `INSERT INTO notification_outbox (user_id, traceparent) VALUES ($1, $2)`,
      [user, producerContext().traceparent],
    );
    await producer.waitForLogIds(user, 1);
    await sleep(1_000);
    expect(receiver.requests).toEqual([]);
  });
});
