import { isAfter } from './event-id.js';
import type { StorageLike } from './runtime.js';

/**
 * The newest log id this user's client has shown, in storage shared by the user's tabs
 * (localStorage in browsers), so that a reload or another tab knows where the stream was.
 */
export class LastIdStore {
  constructor(
    private readonly storage: StorageLike,
    private readonly key: string,
  ) {}

  get(): string | undefined {
    const stored = this.storage.getItem(this.key);
    return stored !== null && /^\d{1,19}$/.test(stored) ? stored : undefined;
  }

  /** Moves the id forward only: tabs write it concurrently and must never move it back. */
  advance(id: string): void {
    const stored = this.get();
    if (stored === undefined || isAfter(id, stored)) this.storage.setItem(this.key, id);
  }
}
