import type { NotifierClient, Preferences } from '@notifier/client';

/**
 * The "Push settings" panel: one checkbox per notification type the user has received (and
 * per pattern already muted), checked when that type is muted for push. Each change replaces
 * the stored preferences and shows what the service stored.
 */
export class PushSettings {
  private client?: NotifierClient;
  private muted: string[] = [];
  private readonly received = new Set<string>();

  constructor(
    private readonly panel: HTMLDetailsElement,
    private readonly list: HTMLUListElement,
    private readonly message: HTMLParagraphElement,
  ) {
    // Opened: read them again, another tab or device may have changed them.
    panel.addEventListener('toggle', () => {
      if (panel.open) void this.load();
    });
  }

  /** Follows this client's user from now on, starting with nothing received. */
  follow(client: NotifierClient | undefined): void {
    this.client = client;
    this.muted = [];
    this.received.clear();
    this.message.hidden = true;
    this.render();
    if (client) void this.load();
  }

  /** A type the user received: listed from now on. */
  addReceived(type: string): void {
    if (this.received.has(type)) return;
    this.received.add(type);
    this.render();
  }

  private async load(): Promise<void> {
    const client = this.client;
    if (!client) return;
    try {
      this.stored(client, await client.preferences());
    } catch (error) {
      this.report(error);
    }
  }

  private async change(type: string, mute: boolean): Promise<void> {
    const client = this.client;
    if (!client) return;
    const mutedTypes = mute
      ? [...this.muted, type]
      : this.muted.filter((pattern) => pattern !== type);
    this.message.hidden = true;
    try {
      this.stored(client, await client.setPreferences({ push: { mutedTypes } }));
    } catch (error) {
      this.report(error);
      this.render();
    }
  }

  private stored(client: NotifierClient, preferences: Preferences): void {
    if (client !== this.client) return;
    this.muted = preferences.push.mutedTypes;
    this.render();
  }

  private render(): void {
    const types = [...new Set([...this.received, ...this.muted])].sort();
    this.list.replaceChildren(...types.map((type) => this.item(type)));
  }

  private item(type: string): HTMLLIElement {
    const checkbox = document.createElement('input');
    checkbox.type = 'checkbox';
    checkbox.checked = this.muted.includes(type);
    checkbox.addEventListener('change', () => void this.change(type, checkbox.checked));
    const label = document.createElement('label');
    label.append(checkbox, ` Mute ${type}`);
    const item = document.createElement('li');
    item.append(label);
    return item;
  }

  private report(error: unknown): void {
    this.message.hidden = false;
    this.message.textContent = `Settings could not be changed: ${(error as Error).message}`;
  }
}
