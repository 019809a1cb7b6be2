import { UnreadCounter } from './unread-counter.js';

const unread = (id: string) => ({
  id,
  type: 'message',
  payload: {},
  createdAt: '',
  readAt: null,
  deliveredAt: null,
});

describe('UnreadCounter', () => {
  it('counts loaded and arriving unread notifications, minus those read', () => {
    const counter = new UnreadCounter();
    counter.reset(['3', '2'], 2);
    counter.received(unread('4'));
    counter.received({ ...unread('5'), readAt: '2026-11-21T10:00:00.000Z' });
    expect(counter.count).toBe(3);
    counter.markRead({ ids: ['2'] });
    expect(counter.count).toBe(2);
  });

  it('counts a read announced twice (by this tab, then by the stream) once', () => {
    const counter = new UnreadCounter();
    counter.reset(['3', '2'], 5); // three more unread than could be loaded
    counter.markRead({ ids: ['3'] });
    counter.markRead({ ids: ['3'] });
    expect(counter.count).toBe(4);
    counter.markRead({ ids: ['1'] }); // an unread one too old to have been loaded
    counter.markRead({ ids: ['1'] });
    expect(counter.count).toBe(3);
  });

  it('compares ids past 2^53 exactly on read-all', () => {
    const counter = new UnreadCounter();
    counter.reset(['9007199254740993', '9007199254740992'], 4);
    counter.markRead({ upTo: '9007199254740992' });
    expect(counter.count).toBe(1);
    expect(counter.isUnread('9007199254740993')).toBe(true);
  });
});
