import { chooseOutboxWake, OutboxWakeRefused } from './outbox-wake-mode';

const CAPABLE = { walLevel: 'logical', role: 'notifier', canReplicate: true };

describe('chooseOutboxWake', () => {
  it('keeps the mode asked for where the server allows it', () => {
    for (const mode of ['wal', 'notify', 'poll'] as const) {
      expect(chooseOutboxWake({ mode, explicit: true }, CAPABLE)).toEqual({ mode });
    }
  });

  it('runs notify and poll whatever the server allows', () => {
    const replica = { walLevel: 'replica', role: 'app', canReplicate: false };
    expect(chooseOutboxWake({ mode: 'notify', explicit: true }, replica)).toEqual({
      mode: 'notify',
    });
    expect(chooseOutboxWake({ mode: 'poll', explicit: true }, replica)).toEqual({ mode: 'poll' });
  });

  it.each([
    ['wal_level is replica', { ...CAPABLE, walLevel: 'replica' }, /wal_level=logical/],
    [
      'the role lacks REPLICATION',
      { ...CAPABLE, canReplicate: false },
      /ALTER ROLE notifier REPLICATION/,
    ],
  ])(
    'falls back to adaptive polling, which takes no lock in producers’ transactions, when %s',
    (_, support, fix) => {
      const choice = chooseOutboxWake({ mode: 'wal', explicit: false }, support);
      expect(choice.mode).toBe('poll');
      expect(choice.warning).toMatch(fix);
      expect(choice.warning).toMatch(/Falling back to OUTBOX_WAKE=poll/);
    },
  );

  it('refuses to start when OUTBOX_WAKE=wal was set and cannot work, saying what to change', () => {
    const both = { walLevel: 'minimal', role: 'app', canReplicate: false };
    const choose = () => chooseOutboxWake({ mode: 'wal', explicit: true }, both);
    expect(choose).toThrow(OutboxWakeRefused);
    expect(choose).toThrow(/wal_level is minimal.*ALTER ROLE app REPLICATION/);
  });
});
