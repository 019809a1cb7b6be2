/**
 * The few parts of the browser platform the client uses beyond what Node ≥ 20 has too (fetch,
 * streams, TextDecoder, AbortController), described structurally so that the same code
 * type-checks and runs in browsers and in Node.
 */

/** `localStorage`, or anything with its three methods. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface LockManagerLike {
  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: () => Promise<void>,
  ): Promise<unknown>;
}

interface BrowserGlobals {
  localStorage?: StorageLike;
  BroadcastChannel?: new (name: string) => ChannelLike;
  navigator?: { locks?: LockManagerLike };
  addEventListener?: (type: string, listener: () => void) => void;
  reportError?: (error: unknown) => void;
}

export const platform = globalThis as unknown as BrowserGlobals;

/** A storage that lives as long as the process: what Node gets when none is passed. */
export function memoryStorage(): StorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

/** An error that no caller can handle, shown where the platform shows uncaught errors. */
export function reportError(error: unknown): void {
  if (platform.reportError) platform.reportError(error);
  else console.error(error);
}
