import { useDatabase } from '../support/notifier-fixture';
import type { ServiceInstance } from '../support/service-process';
import { SseRecording } from '../support/sse-client';
import { tokenFor } from '../support/tokens';
import { uniqueUser } from '../support/users';
import { sleep } from '../support/wait-for';

jest.setTimeout(180_000);

const MiB = 1024 * 1024;
const READERS_PER_USER = 10;
const USERS = 2;
const ROWS_DUE = 300;
const PAYLOAD_BYTES = 60_000;
/**
 * docs/performance.md, "Memory, in bytes": a replaying stream holds at most its unsent output
 * and its held live events (each the buffer limit, plus one frame) and one replay page (a quarter
 * of the limit, plus one row).
 */
const BUFFER_LIMIT = 1 * MiB;
const FRAME = PAYLOAD_BYTES + 1_000;
const PER_STREAM_BOUND = 2 * (BUFFER_LIMIT + FRAME) + BUFFER_LIMIT / 4 + FRAME;
/** Headroom for the allocator, sockets and the garbage not yet collected: twice the bound, plus 40 MiB. */
const allowedGrowth = (streams: number) => 2 * streams * PER_STREAM_BOUND + 40 * MiB;

describe('stalled readers with large payloads due', () => {
  const { producer, startService } = useDatabase();
  let service: ServiceInstance;
  const users = Array.from({ length: USERS }, () => uniqueUser('stalled'));

  beforeAll(async () => {
    service = await startService({ SSE_MAX_CONNECTIONS_PER_USER: String(READERS_PER_USER) });
    for (const user of users) {
      await producer.notifyMany(user, ROWS_DUE, PAYLOAD_BYTES);
      await producer.waitForLogIds(user, ROWS_DUE, 60_000);
    }
  });

  it('keep the service’s memory within streams × (buffer limit + one replay page)', async () => {
    await sleep(1_000);
    const before = service.process.rssBytes();
    const streams: SseRecording[] = [];
    for (const user of users) {
      for (let i = 0; i < READERS_PER_USER; i++) {
        const stream = await SseRecording.open(`${service.baseUrl}/users/me/events`, {
          Authorization: `Bearer ${tokenFor(user)}`,
          'Last-Event-ID': '0',
        });
        stream.pause();
        streams.push(stream);
      }
    }
    let peak = 0;
    for (let i = 0; i < 30; i++) {
      await sleep(200);
      peak = Math.max(peak, service.process.rssBytes());
    }
    const growth = peak - before;
    expect(streams.every((stream) => stream.status === 200)).toBe(true);
    expect(growth).toBeLessThan(allowedGrowth(streams.length));
    for (const stream of streams) stream.close();
  });
});
