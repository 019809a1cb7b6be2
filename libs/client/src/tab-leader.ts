import { type LockManagerLike, platform, type StorageLike } from './runtime.js';

/**
 * Elects the one tab of a user that holds the stream: browsers allow only 6 HTTP/1.1
 * connections per origin, so one EventSource per tab would soon starve the page of requests.
 */
export interface TabLeader {
  /** Calls `lead` once, when this tab becomes the leader (at once, or when another leaves). */
  start(lead: () => void): void;
  /** Leaves: gives the lead up, or stops waiting for it. */
  stop(): void;
}

/** Without `shared` storage (no other tabs to share with) this tab simply leads. */
export function electTabLeader(name: string, shared: StorageLike | undefined): TabLeader {
  if (!shared) return new SoloLeader();
  const locks = platform.navigator?.locks;
  return locks ? new LockLeader(locks, name) : new LeaseLeader(shared, name);
}

/** Where there is no other tab (Node): this one leads. */
class SoloLeader implements TabLeader {
  start(lead: () => void): void {
    lead();
  }

  stop(): void {}
}

/**
 * Web Locks: the lock is held for as long as the tab leads, and the browser releases it when
 * the tab closes or crashes, granting it to the next waiting tab.
 */
class LockLeader implements TabLeader {
  private readonly abort = new AbortController();
  private release?: () => void;

  constructor(
    private readonly locks: LockManagerLike,
    private readonly name: string,
  ) {}

  start(lead: () => void): void {
    this.locks
      .request(this.name, { signal: this.abort.signal }, () => {
        lead();
        return new Promise<void>((resolve) => (this.release = resolve));
      })
      // Rejects with an AbortError when the tab stops while still waiting: nothing to do.
      .catch(() => undefined);
  }

  stop(): void {
    this.abort.abort();
    this.release?.();
  }
}

const LEASE_MS = 3_000;
const RENEW_MS = 500;
/** How long a claim must stand unchallenged: two tabs claiming at once see each other. */
const SETTLE_MS = 100;

/**
 * Without Web Locks (insecure origins, old browsers): a lease in shared storage, renewed by
 * the leader and taken over when it expires or is given up. Two tabs may rarely both lead;
 * every tab drops ids it has already shown, so that costs a connection, never a duplicate.
 */
class LeaseLeader implements TabLeader {
  private readonly tab = Math.random().toString(36).slice(2);
  private timer?: ReturnType<typeof setInterval>;
  private leading = false;

  constructor(
    private readonly storage: StorageLike,
    private readonly name: string,
  ) {}

  start(lead: () => void): void {
    const tick = () => {
      if (!this.claim()) return;
      if (this.leading) return;
      setTimeout(() => {
        if (this.timer === undefined || this.holder() !== this.tab || this.leading) return;
        this.leading = true;
        lead();
      }, SETTLE_MS);
    };
    this.timer = setInterval(tick, RENEW_MS);
    tick();
    platform.addEventListener?.('pagehide', () => this.stop());
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.holder() === this.tab) this.storage.removeItem(this.name);
  }

  /** Takes or renews the lease unless another tab holds a live one. */
  private claim(): boolean {
    const holder = this.holder();
    if (holder !== undefined && holder !== this.tab) return false;
    this.storage.setItem(
      this.name,
      JSON.stringify({ tab: this.tab, until: Date.now() + LEASE_MS }),
    );
    return true;
  }

  private holder(): string | undefined {
    try {
      const lease = JSON.parse(this.storage.getItem(this.name) ?? 'null') as {
        tab: string;
        until: number;
      } | null;
      return lease && lease.until > Date.now() ? lease.tab : undefined;
    } catch {
      return undefined;
    }
  }
}
