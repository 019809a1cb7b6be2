import type { InboxPage } from './notification.js';
import type { ServiceApi } from './service-api.js';

/** The inbox REST API of the signed-in user (`/users/me/notifications`). */
export class InboxApi {
  constructor(private readonly api: ServiceApi) {}

  async page(query: { limit: number; unread?: boolean }): Promise<InboxPage> {
    return this.api.call({
      method: 'get',
      path: '/users/me/notifications',
      expected: 200,
      query: { limit: String(query.limit), ...(query.unread ? { unread: 'true' } : {}) },
    });
  }

  async unreadCount(): Promise<number> {
    const answer = await this.api.call({
      method: 'get',
      path: '/users/me/notifications/unread-count',
      expected: 200,
    });
    return answer.count;
  }

  async markRead(id: string): Promise<void> {
    await this.api.call({
      method: 'post',
      path: '/users/me/notifications/{id}/read',
      expected: 204,
      params: { id },
    });
  }

  async markAllRead(): Promise<number> {
    const answer = await this.api.call({
      method: 'post',
      path: '/users/me/notifications/read-all',
      expected: 200,
    });
    return answer.updated;
  }
}
