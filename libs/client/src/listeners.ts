/** A set of callbacks for one kind of event; `add` returns the function that removes it. */
export class Listeners<A extends unknown[]> {
  private readonly callbacks = new Set<(...args: A) => void>();

  add(callback: (...args: A) => void): () => void {
    this.callbacks.add(callback);
    return () => void this.callbacks.delete(callback);
  }

  emit(...args: A): void {
    for (const callback of this.callbacks) callback(...args);
  }
}
