/**
 * Runs a task at most once at a time. A wake-up that arrives during a run asks for exactly
 * one more run after it, so a burst of notifications costs at most two runs, and none is lost.
 */
export class SingleFlight {
  private running = false;
  private again = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  wake(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    this.again = false;
    this.task()
      .catch(this.onError)
      .finally(() => {
        this.running = false;
        if (this.again) this.wake();
      });
  }
}
