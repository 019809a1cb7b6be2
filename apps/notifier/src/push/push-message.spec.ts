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
  it('are the stream’s JSON when it fits', () => {
    expect(JSON.parse(pushBody(row('{"text": "hi"}')))).toEqual({
      id: '42',
      type: 'order.shipped',
      payload: { text: 'hi' },
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
    });
  });

  it('leave the payload out, saying so, when it would pass 3,800 bytes', () => {
    const fits = JSON.stringify({ text: 'x'.repeat(3000) });
    expect(Buffer.byteLength(pushBody(row(fits)))).toBeLessThanOrEqual(MAX_PUSH_BODY_BYTES);
    expect(JSON.parse(pushBody(row(fits))).payload).toEqual({ text: 'x'.repeat(3000) });

    // Multi-byte characters count as bytes, not characters.
    const big = JSON.stringify({ text: 'é'.repeat(1900) });
    expect(JSON.parse(pushBody(row(big)))).toEqual({
      id: '42',
      type: 'order.shipped',
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
      truncated: true,
    });
  });
});
