/**
 * Reads a table when woken. Runs its task at most once at a time: a wake-up that arrives
 * during a run asks for exactly one more run after it, so a burst of wake-ups costs at most
 * two runs and none is lost. A safety poll wakes it too, for whatever a lost connection missed.
 */
export class FeedReader {
  private running = false;
  private again = false;
  private safetyPoll?: NodeJS.Timeout;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: Error) => void,
    private readonly safetyPollMs: number,
    private readonly isNews: (payload: string | undefined) => boolean = () => true,
  ) {}

  notified(payload: string | undefined): void {
    if (this.isNews(payload)) this.wake();
  }

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

  start(): void {
    this.safetyPoll ??= setInterval(() => this.wake(), this.safetyPollMs);
  }

  stop(): void {
    clearInterval(this.safetyPoll);
    this.safetyPoll = undefined;
  }
}
