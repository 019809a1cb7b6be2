import { readFile } from 'node:fs/promises';

/**
 * The kernel's count of connections dropped because a listen queue was full (machine-wide,
 * from /proc/net/netstat). A dropped SYN is retried after 1 s, 3 s, 7 s…, so during a
 * reconnect storm these drops, not the server's work, can dominate the catch-up time.
 */
export async function listenDrops(): Promise<number> {
  const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n');
  const header = lines.findIndex((line) => line.startsWith('TcpExt:'));
  const names = lines[header].split(/\s+/);
  const values = lines[header + 1].split(/\s+/);
  return Number(values[names.indexOf('ListenDrops')] ?? 0);
}
