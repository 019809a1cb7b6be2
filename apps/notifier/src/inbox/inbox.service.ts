import { Injectable, NotFoundException } from '@nestjs/common';
import { NotificationRepository } from '@app/persistence';
import { jsonPage, JsonText } from '../notifications/json-text';
import { notificationJson } from '../notifications/notification-json';
import { InboxQueryDto, ReadAllResultDto } from './inbox.dto';

@Injectable()
export class InboxService {
  constructor(private readonly log: NotificationRepository) {}

  page(userId: string, query: InboxQueryDto): Promise<JsonText> {
    const before = query.before === undefined ? undefined : BigInt(query.before);
    const unreadOnly = query.unread === 'true';
    return jsonPage(
      query.limit,
      'nextBefore',
      (limit) => this.log.listForUser(userId, { before, unreadOnly, limit }),
      notificationJson,
    );
  }

  unreadCount(userId: string): Promise<number> {
    return this.log.countUnread(userId);
  }

  /** Idempotent; another user's notification reads as not found, revealing nothing. */
  async markRead(userId: string, id: bigint): Promise<void> {
    if ((await this.log.markRead(userId, id)) === 'not-found') {
      throw new NotFoundException(`Notification ${id} not found`);
    }
  }

  async markAllRead(userId: string): Promise<ReadAllResultDto> {
    const { updated } = await this.log.markAllRead(userId);
    return { updated };
  }
}
