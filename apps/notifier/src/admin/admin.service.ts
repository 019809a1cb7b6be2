import { Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { NotificationRepository, OutboxRepository } from '@app/persistence';
import { IngestLeadership } from '../leadership/ingest-leadership';
import { NotifierMetrics } from '../metrics/notifier-metrics';
import { jsonPage, JsonText } from '../notifications/json-text';
import { adminNotificationJson } from '../notifications/notification-json';
import { ClosedStreams } from '../stream/closed-streams';
import { StreamHub } from '../stream/stream-hub';
import { AdminNotificationsQueryDto, ConnectionDto, StatsDto } from './admin.dto';

@Injectable()
export class AdminService {
  private readonly instanceId = randomUUID();

  constructor(
    private readonly outbox: OutboxRepository,
    private readonly log: NotificationRepository,
    private readonly closedStreams: ClosedStreams,
    private readonly hub: StreamHub,
    private readonly leadership: IngestLeadership,
    private readonly metrics: NotifierMetrics,
  ) {}

  /**
   * Same path as any producer: the outbox, so the ordering invariant holds for admins too.
   * `payload` is JSON text as the client wrote it, so Postgres stores its numbers exactly.
   */
  enqueue(userId: string, type: string, payload: string): Promise<void> {
    return this.outbox.enqueue(userId, type, payload);
  }

  list({ userId, type, after, limit }: AdminNotificationsQueryDto): Promise<JsonText> {
    const afterId = after === undefined ? undefined : BigInt(after);
    return jsonPage(
      limit,
      'nextAfter',
      (rows) => this.log.list({ userId, type, after: afterId, limit: rows }),
      adminNotificationJson,
    );
  }

  async findOne(id: bigint): Promise<JsonText> {
    const row = await this.log.findById(id);
    if (!row) throw new NotFoundException(`Notification ${id} not found`);
    return adminNotificationJson(row);
  }

  async stats(): Promise<StatsDto> {
    const [backlog, lastLogId, delivered] = await Promise.all([
      this.outbox.backlog(),
      this.log.latestId(),
      this.metrics.delivered.get(),
    ]);
    const oldest = backlog.oldestCreatedAt;
    return {
      instanceId: this.instanceId,
      ingestLeader: this.leadership.isLeader,
      connections: { total: this.hub.openConnections, topUsers: this.hub.busiestUsers(10) },
      outbox: { backlog: backlog.count, oldestCreatedAt: oldest?.toISOString() ?? null },
      lastLogId: lastLogId.toString(),
      ingestLagSeconds: backlog.oldestAgeSeconds,
      eventsDelivered: delivered.values[0]?.value ?? 0,
    };
  }

  connections(userId: string): ConnectionDto[] {
    return this.hub.connectionsOf(userId).map((stream) => ({
      id: stream.id,
      openedAt: stream.openedAt.toISOString(),
      lastEventId: stream.cursor.toString(),
      bufferedBytes: stream.bufferedBytes,
    }));
  }

  /** This instance before it answers; the others when the change NOTIFY reaches them. */
  closeStream(userId: string, reason: string | undefined): Promise<void> {
    return this.closedStreams.close(userId, reason ?? null);
  }

  reopenStream(userId: string): Promise<void> {
    return this.closedStreams.reopen(userId);
  }
}
