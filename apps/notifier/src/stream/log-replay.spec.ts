import type { NotifierConfig } from '@app/config';
import type { NotificationRepository, ReplayPage, ReplayRequest } from '@app/persistence';
import { LogReplay } from './log-replay';

/** The log's replay statement, answered when the test says so: an empty page per stream. */
class HeldStatements {
  readonly statements: { users: string[]; answer: () => void }[] = [];

  replayPages(wanted: readonly ReplayRequest[]): Promise<ReplayPage[]> {
    return new Promise((resolve) => {
      const pages = wanted.map(() => ({ rows: [], complete: true, deletedUpTo: 0n, newestId: 0n }));
      this.statements.push({
        users: wanted.map(({ userId }) => userId),
        answer: () => resolve(pages),
      });
    });
  }

  get users(): string[][] {
    return this.statements.map(({ users }) => users);
  }
}

const config = { sse: { maxBufferBytes: 1 << 20 } } as NotifierConfig;
const turn = () => new Promise((resolve) => setImmediate(resolve));

function replayOver(log: HeldStatements): LogReplay {
  return new LogReplay(log as unknown as NotificationRepository, config);
}

describe('LogReplay', () => {
  it('reads the pages of streams that resume in the same turn in one statement', async () => {
    const log = new HeldStatements();
    const replay = replayOver(log);
    const pages = ['ann', 'bob', 'cy'].map((user) => replay.pageAfter(user, 7n));
    await turn();
    expect(log.users).toEqual([['ann', 'bob', 'cy']]);
    log.statements[0].answer();
    expect((await Promise.all(pages)).map((page) => page.complete)).toEqual([true, true, true]);
  });

  it('reads what streams ask while a statement runs in one next statement, not beside it', async () => {
    const log = new HeldStatements();
    const replay = replayOver(log);
    const first = replay.pageAfter('ann', 1n);
    await turn();
    // A storm: the reconnects arrive one by one, each in a turn of its own.
    const later: Promise<unknown>[] = [];
    for (const user of ['bob', 'cy', 'dee']) {
      later.push(replay.pageAfter(user, 1n));
      await turn();
    }
    expect(log.users).toEqual([['ann']]);

    log.statements[0].answer();
    await first;
    await turn();
    expect(log.users).toEqual([['ann'], ['bob', 'cy', 'dee']]);
    log.statements[1].answer();
    await Promise.all(later);
  });

  it('starts the next statement beside one that has run for 50 ms (a slow plan, a stuck connection)', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate'] });
    try {
      const log = new HeldStatements();
      const replay = replayOver(log);
      const stuck = replay.pageAfter('ann', 1n);
      await turn();
      const waiting = replay.pageAfter('bob', 1n);
      await turn();
      jest.advanceTimersByTime(49);
      expect(log.users).toEqual([['ann']]);

      jest.advanceTimersByTime(1);
      await turn();
      expect(log.users).toEqual([['ann'], ['bob']]);
      log.statements.forEach((statement) => statement.answer());
      await Promise.all([stuck, waiting]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reads at most 100 streams in a statement', async () => {
    const log = new HeldStatements();
    const replay = replayOver(log);
    const pages = Array.from({ length: 150 }, (_, i) => replay.pageAfter(`user-${i}`, 0n));
    await turn();
    log.statements[0].answer();
    await turn();
    await turn();
    expect(log.users.map((users) => users.length)).toEqual([100, 50]);
    log.statements[1].answer();
    await Promise.all(pages);
  });
});
