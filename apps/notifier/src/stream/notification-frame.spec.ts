import { notificationJson } from '../notifications/notification-json';
import { toLogEvent } from './notification-frame';

const row = {
  id: '9007199254740993',
  userId: 'alice',
  type: 'order.shipped',
  payload: '{"text": "line one\\nline two", "n": 1}',
  createdAt: '2026-11-21T10:00:00.123Z',
  readAt: null,
  deliveredAt: null,
};

describe('notification frames', () => {
  it('carries the contract fields, with the 64-bit id as a string', () => {
    expect(JSON.parse(notificationJson(row))).toEqual({
      id: '9007199254740993',
      type: 'order.shipped',
      payload: { text: 'line one\nline two', n: 1 },
      createdAt: '2026-11-21T10:00:00.123Z',
      readAt: null,
      deliveredAt: null,
    });
  });

  it('is one SSE event whose id is the log id', () => {
    const event = toLogEvent({ ...row, readAt: '2026-11-21T11:00:00.000Z' });
    expect(event.id).toBe(9007199254740993n);
    const frame = event.frame.toString();
    expect(frame).toMatch(/^id: 9007199254740993\ndata: \{.*\}\n\n$/);
    expect(frame.split('\n')).toHaveLength(4);
    expect(frame).toContain('"readAt":"2026-11-21T11:00:00.000Z"');
  });
});
