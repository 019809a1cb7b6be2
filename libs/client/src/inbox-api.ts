import { currentToken, TokenSource } from './access-token.js';
import type { InboxPage } from './notification.js';

/** An answer other than the one expected; `status` 401 means the token was refused. */
export class InboxApiError extends Error {
  constructor(readonly status: number) {
    super(`The inbox API answered ${status}`);
  }
}

/** The inbox REST API of the signed-in user (`/users/me/notifications`). */
export class InboxApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: TokenSource,
  ) {}

  page(query: { limit: number; unread?: boolean }): Promise<InboxPage> {
    const search = new URLSearchParams({ limit: String(query.limit) });
    if (query.unread) search.set('unread', 'true');
    return this.call<InboxPage>('GET', `?${search.toString()}`, 200);
  }

  async unreadCount(): Promise<number> {
    return (await this.call<{ count: number }>('GET', '/unread-count', 200)).count;
  }

  async markRead(id: string): Promise<void> {
    await this.call('POST', `/${encodeURIComponent(id)}/read`, 204);
  }

  async markAllRead(): Promise<number> {
    return (await this.call<{ updated: number }>('POST', '/read-all', 200)).updated;
  }

  private async call<T>(method: string, path: string, expected: number): Promise<T> {
    const response = await fetch(`${this.baseUrl}/users/me/notifications${path}`, {
      method,
      headers: { Authorization: `Bearer ${await currentToken(this.token)}` },
    });
    if (response.status !== expected) throw new InboxApiError(response.status);
    return (expected === 204 ? undefined : await response.json()) as T;
  }
}
