import { reportError } from './runtime.js';

/** A set of callbacks for one kind of event; `add` returns the function that removes it. */
export class Listeners<A extends unknown[]> {
  private readonly callbacks = new Set<(...args: A) => void>();

  add(callback: (...args: A) => void): () => void {
    this.callbacks.add(callback);
    return () => void this.callbacks.delete(callback);
  }

  /** A callback that throws is reported; the others, and the stream that called, go on. */
  emit(...args: A): void {
    for (const callback of this.callbacks) {
      try {
        callback(...args);
      } catch (error) {
        reportError(error);
      }
    }
  }
}
