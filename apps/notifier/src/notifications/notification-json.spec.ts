import { adminNotificationJson, notificationJson } from './notification-json';

const row = {
  id: '42',
  userId: 'alice "a"',
  type: 'order.shipped',
  payload: '{"n": 9007199254740993, "text": "line one\\nline two"}',
  createdAt: '2026-11-21T10:00:00.123Z',
  readAt: null,
  deliveredAt: '2026-11-21T10:00:00.130Z',
  storedAt: '2026-11-21T10:00:00.125Z',
};

describe('notification JSON', () => {
  it('carries the payload as Postgres wrote it, digit for digit', () => {
    expect(notificationJson(row)).toBe(
      '{"id":"42","type":"order.shipped","payload":{"n": 9007199254740993, "text": "line one\\nline two"},' +
        '"createdAt":"2026-11-21T10:00:00.123Z","readAt":null,"deliveredAt":"2026-11-21T10:00:00.130Z"}',
    );
  });

  it('gives admins the same fields, then whose it is and when it was appended', () => {
    expect(adminNotificationJson(row)).toBe(
      `${notificationJson(row).slice(0, -1)},"userId":"alice \\"a\\"","storedAt":"2026-11-21T10:00:00.125Z"}`,
    );
    expect(JSON.parse(adminNotificationJson(row))).toMatchObject({
      userId: 'alice "a"',
      storedAt: '2026-11-21T10:00:00.125Z',
    });
  });
});
