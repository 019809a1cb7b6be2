import { useNotifier } from './support/notifier-fixture';
import { uniqueUser } from './support/users';
import { waitFor } from './support/wait-for';

const STREAMS = 50;
const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('idle streams', () => {
  const { notifier } = useNotifier({ env: { SSE_HEARTBEAT_MS: '200' } });

  it('each get `: ping` every SSE_HEARTBEAT_MS, from one timer of the hub instead of one each', async () => {
    const before = timers();
    const streams = await Promise.all(
      Array.from({ length: STREAMS }, () => notifier.stream(uniqueUser())),
    );
    await waitFor(() => streams.every((stream) => stream.raw.startsWith('retry: ')), 'the heads');
    const added = timers() - before;

    await waitFor(
      () => streams.every((stream) => stream.comments.length >= 3),
      'three heartbeats on every stream',
      3_000,
    );
    expect(added).toBeLessThan(5);
  });
});
