/** What the load generator and its worker processes share: the clock, phases, and calls. */

/** CLOCK_MONOTONIC in µs: the same clock in every process of the machine. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * A phase is one measured window. Notification `s` of a phase (0 ≤ s < total) goes to user
 * `s % users`, so every stream knows exactly what it must receive, and a bitmap per stream
 * finds both losses and duplicates without storing ids.
 */
export interface Phase {
  phase: number;
  users: number;
  total: number;
}

/** A worker's functions by name, each called by the parent over IPC. */
export type Handlers = Record<string, (...args: never[]) => unknown>;
export interface Call {
  id: number;
  method: string;
  args: unknown[];
}
export interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** The worker side: each call runs its handler, whose result or error is sent back. */
export function serve(handlers: Handlers): void {
  process.on('message', ({ id, method, args }: Call) => {
    Promise.resolve()
      .then(() => (handlers[method] as (...args: unknown[]) => unknown)(...args))
      .then(
        (result) => process.send?.({ id, result } satisfies Reply),
        (error: Error) => process.send?.({ id, error: error.message } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
}
