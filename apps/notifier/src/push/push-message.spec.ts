import { MAX_PUSH_BODY_BYTES, pushBody } from './push-message';

const row = (payload: string) => ({
  id: '42',
  userId: 'alice',
  type: 'order.shipped',
  payload,
  createdAt: '2026-11-21T10:00:00.123Z',
  readAt: null,
  deliveredAt: null,
});

describe('push bodies', () => {
  it('are the stream’s JSON of the newest notification, with how many it stands for', () => {
    expect(JSON.parse(pushBody(row('{"text": "hi"}'), 1))).toEqual({
      id: '42',
      type: 'order.shipped',
      payload: { text: 'hi' },
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
      batched: 1,
    });
    expect(JSON.parse(pushBody(row('{}'), 5))).toMatchObject({ id: '42', batched: 5 });
  });

  it('leave the payload out, saying so, when it would pass 3,800 bytes', () => {
    const fits = JSON.stringify({ text: 'x'.repeat(3000) });
    expect(Buffer.byteLength(pushBody(row(fits), 1))).toBeLessThanOrEqual(MAX_PUSH_BODY_BYTES);
    expect(JSON.parse(pushBody(row(fits), 1)).payload).toEqual({ text: 'x'.repeat(3000) });

    // Multi-byte characters count as bytes, not characters.
    const big = JSON.stringify({ text: 'é'.repeat(1900) });
    expect(JSON.parse(pushBody(row(big), 3))).toEqual({
      id: '42',
      type: 'order.shipped',
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
      truncated: true,
      batched: 3,
    });
  });

  it('count `batched` among the bytes: a body that just fits alone is truncated for a count of 10', () => {
    const room = MAX_PUSH_BODY_BYTES - Buffer.byteLength(pushBody(row('{"text":""}'), 1));
    const payload = `{"text":"${'x'.repeat(room)}"}`;
    expect(Buffer.byteLength(pushBody(row(payload), 1))).toBe(MAX_PUSH_BODY_BYTES);
    expect(JSON.parse(pushBody(row(payload), 1))).not.toHaveProperty('truncated');
    expect(JSON.parse(pushBody(row(payload), 10))).toMatchObject({ truncated: true, batched: 10 });
  });
});
