import { ChildProcess, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A TCP port free on 127.0.0.1 right now, for a server that must be told its port up front. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Polls `GET path` until it answers 200, or fails after `timeoutMs`. */
export async function waitForHttp(port: number, path: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const status = () =>
    new Promise<number>((resolve) =>
      get({ host: '127.0.0.1', port, path, agent: false }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      }).on('error', () => resolve(0)),
    );
  while (Date.now() < deadline) {
    if ((await status()) === 200) return;
    await sleep(100);
  }
  throw new Error(`127.0.0.1:${port}${path} did not answer 200 within ${timeoutMs} ms`);
}

/** Sends SIGTERM and waits for the exit, escalating to SIGKILL after `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The live children of a process, over all its threads. */
export async function childPids(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch((): string[] => []);
  const lists = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '')),
  );
  return lists.join(' ').split(' ').filter(Boolean).map(Number);
}

/**
 * Resident memory in KiB: VmRSS of a lone process; for a process with children (nginx's master
 * and workers, a cluster primary and its workers), their proportional set sizes summed, which
 * counts memory they share once instead of once per process.
 */
export async function memoryKiB(pid: number): Promise<number> {
  const children = await childPids(pid);
  if (children.length === 0) {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  }
  const pss = async (one: number) => {
    const rollup = await readFile(`/proc/${one}/smaps_rollup`, 'utf8').catch(() => '');
    return Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? 0);
  };
  const all = await Promise.all([pid, ...children].map(pss));
  return all.reduce((sum, kib) => sum + kib, 0);
}

const MS_PER_TICK = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/**
 * CPU ms of one process from /proc, undefined once it is gone: time on a CPU of its live
 * threads (schedstat, in ns, where stat counts ticks), and cutime + cstime, the CPU of its
 * children that exited and were waited for.
 */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (stat === undefined || tasks === undefined) return undefined;
  const runtimes = await Promise.all(
    tasks.map((task) => readFile(`/proc/${pid}/task/${task}/schedstat`, 'utf8').catch(() => '0')),
  );
  const ns = runtimes.reduce((sum, line) => sum + Number(line.split(' ')[0]), 0);
  // Fields after "(comm) ": the state is the 3rd field of the line, cutime the 16th.
  const [cutime, cstime] = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .slice(13, 15);
  return ns / 1e6 + (Number(cutime) + Number(cstime)) * MS_PER_TICK;
}

/** CPU ms of processes and all their descendants, those that exited included. */
export async function treeCpuMs(pids: number[]): Promise<number> {
  const each = await Promise.all(
    pids.map(async (pid) => {
      const ms = await processCpuMs(pid);
      return ms === undefined ? 0 : ms + (await treeCpuMs(await childPids(pid)));
    }),
  );
  return each.reduce((sum, ms) => sum + ms, 0);
}

/** Jiffies of the whole machine so far: all, and busy (neither idle nor waiting for I/O). */
export async function machineTicks(): Promise<{ all: number; busy: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0];
  const ticks = line.split(/\s+/).slice(1, 9).map(Number);
  const all = ticks.reduce((sum, tick) => sum + tick, 0);
  return { all, busy: all - ticks[3] - ticks[4] };
}

/**
 * The kernel's count of connections dropped on a full listen queue (machine-wide). A dropped
 * SYN is retried after 1 s, 3 s…, so these drops, not the server's work, can set the time.
 */
export async function listenDrops(): Promise<number> {
  const lines = (await readFile('/proc/net/netstat', 'utf8')).split('\n');
  const header = lines.findIndex((line) => line.startsWith('TcpExt:'));
  const names = lines[header].split(/\s+/);
  return Number(lines[header + 1].split(/\s+/)[names.indexOf('ListenDrops')] ?? 0);
}
