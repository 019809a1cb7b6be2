import { Injectable, NotFoundException } from '@nestjs/common';
import { NotificationRepository } from '@app/persistence';
import { InboxPageDto, InboxQueryDto, ReadAllResultDto } from './inbox.dto';
import { NotificationDto } from './notification.dto';

@Injectable()
export class InboxService {
  constructor(private readonly log: NotificationRepository) {}

  async page(userId: string, query: InboxQueryDto): Promise<InboxPageDto> {
    // One row more than asked tells whether another page exists.
    const rows = await this.log.listForUser(userId, {
      before: query.before === undefined ? undefined : BigInt(query.before),
      unreadOnly: query.unread === 'true',
      limit: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map((row) => NotificationDto.from(row));
    const nextBefore = rows.length > query.limit ? items[items.length - 1].id : null;
    return { items, nextBefore };
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
