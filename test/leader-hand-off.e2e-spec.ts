import { ChangeFeed } from '@app/change-feed';
import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';

describe('the ingest leader’s own streams', () => {
  const { notifier, producer } = useNotifier();

  it('receive what it appends without a read after its NOTIFY: even with its LISTEN connection gone', async () => {
    const user = uniqueUser('leader');
    const recording = await notifier.stream(user);
    await producer.notify(user, { n: 1 });
    await recording.waitForMessages(1);

    // No NOTIFY reaches this instance any more, and no safety poll runs.
    await notifier.app.get(ChangeFeed).onApplicationShutdown();
    await producer.notify(user, { n: 2 });
    await producer.notify(user, { n: 3 });
    const messages = await recording.waitForMessages(3);
    recording.close();
    const payloads = messages.map(
      (message) => (JSON.parse(message.data) as { payload: unknown }).payload,
    );
    expect(payloads).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(recording.messageIds).toEqual(await producer.logIds(user));
  });
});
