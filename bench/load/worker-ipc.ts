import { fork, ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

interface Request {
  id: number;
  body: unknown;
}
interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** Node flags that let a forked worker run TypeScript sources directly. */
const TS_NODE = ['-r', require.resolve('ts-node/register/transpile-only')];

/** A forked worker process answering one request at a time per id, over IPC. */
export class WorkerHandle<Command> {
  private readonly child: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: Error): void }
  >();

  constructor(script: string) {
    this.child = fork(resolve(__dirname, script), [], {
      execArgv: TS_NODE,
      env: { ...process.env, TS_NODE_PROJECT: resolve(__dirname, '../../tsconfig.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new Error(reply.error));
      else waiter?.resolve(reply.result);
    });
    this.child.on('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`worker exited ${code}`));
      this.pending.clear();
    });
  }

  request<Result>(body: Command): Promise<Result> {
    const id = this.nextId++;
    return new Promise<Result>((resolve, reject) => {
      if (!this.child.connected) return reject(new Error('worker is gone'));
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, body } satisfies Request);
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

/** The worker side: every request is handed to `handle`, its result or error sent back. */
export function serveCommands<Command>(handle: (command: Command) => unknown): void {
  process.on('message', (request: Request) => {
    Promise.resolve()
      .then(() => handle(request.body as Command))
      .then(
        (result) => process.send?.({ id: request.id, result } satisfies Reply),
        (error: Error) => process.send?.({ id: request.id, error: error.message } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
