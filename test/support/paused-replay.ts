import type { StreamConnection } from '../../apps/notifier/src/stream/stream-connection';
import { sleep, waitForAsync } from './wait-for';

/**
 * Waits until a replay to a client that stopped reading stops writing: the kernel's socket
 * buffers are full and the replay waits for the socket, its cursor steady for 300 ms.
 */
export async function waitForPausedReplay(connection: StreamConnection): Promise<void> {
  let previous = connection.cursor;
  await waitForAsync(async () => {
    await sleep(300);
    const steady = connection.cursor === previous;
    previous = connection.cursor;
    return steady;
  }, 'the replay to wait for the socket');
}
