/**
 * The floor of fan-out on this machine: what any server pays to put the latency load's frames
 * on the wire, and nothing else. A bare `node:net` server holds the full run's 10,000 sockets
 * (a forked process reads them) and, 2,000 times a second for 10 s, writes one notification's
 * SSE frame to each of a user's 10 sockets: one `write` per socket, as the service and Nchan do.
 * No HTTP, no database, no JSON. Prints the server's CPU per notification, median of three.
 *
 *   node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/fan-out-floor.ts
 */
import { fork } from 'node:child_process';
import { connect, createServer, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { encodeEvent } from '@app/sse';
import { median } from './report';

const STREAMS = 10_000;
const FAN_OUT = 10;
const RATE = 2_000;
const SECONDS = 10;
const RUNS = 3;
const OPENING_AT_ONCE = 200;

/** A frame of the latency load's size: the bench's payload, in the service's JSON. */
const FRAME = Buffer.from(
  encodeEvent({
    id: '1234567',
    data: '{"id":"1234567","type":"message","payload":{"p":"latency","s":12345,"t":1234567890123},"createdAt":"2026-12-07T17:00:00.000000Z","readAt":null}',
  }),
);

/** The reading side, in a process of its own as the bench's clients are. */
function readStreams(port: number): void {
  let opened = 0;
  const openNext = (): void => {
    if (opened === STREAMS) return void process.send?.('open');
    opened++;
    connect(port, '127.0.0.1', openNext).on('data', () => undefined);
  };
  for (let i = 0; i < OPENING_AT_ONCE; i++) openNext();
}

async function acceptStreams(): Promise<{ sockets: Socket[]; stop: () => void }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket.setNoDelay(true)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reader = fork(__filename, ['read', String((server.address() as AddressInfo).port)]);
  await new Promise((resolve) => reader.once('message', resolve));
  while (sockets.length < STREAMS) await sleep(50);
  return { sockets, stop: () => (reader.kill(), server.close()) };
}

/** Writes the load on a 1 ms timer, as due; returns the CPU it took per notification (ms). */
async function fanOut(sockets: Socket[]): Promise<number> {
  const users = sockets.length / FAN_OUT;
  const total = RATE * SECONDS;
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, ((performance.now() - start) / 1000) * RATE);
    for (; sent < due; sent++) {
      const user = sent % users;
      for (let k = 0; k < FAN_OUT; k++) sockets[user * FAN_OUT + k].write(FRAME);
    }
    await sleep(1);
  }
  const cpu = process.cpuUsage(cpuBefore);
  return (cpu.user + cpu.system) / 1000 / total;
}

async function main(): Promise<void> {
  const perNotification: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const { sockets, stop } = await acceptStreams();
    perNotification.push(await fanOut(sockets));
    stop();
  }
  const runs = perNotification.map((ms) => ms.toFixed(3)).join(', ');
  console.log(
    `${STREAMS} streams, ${RATE}/s × ${FAN_OUT} writes of ${FRAME.length} bytes: ` +
      `${median(perNotification)!.toFixed(3)} ms of the server's CPU per notification (runs: ${runs})`,
  );
}

if (process.argv[2] === 'read') readStreams(Number(process.argv[3]));
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
