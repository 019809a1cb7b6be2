import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { OutboxWakeMode } from '@app/config';

/** What `OUTBOX_WAKE=wal` needs of the server and of the role the service connects as. */
export interface WalSupport {
  walLevel: string;
  role: string;
  /** REPLICATION, superuser, or (Amazon RDS) a member of rds_replication. */
  canReplicate: boolean;
}

/** The database's side of the outbox wake-up: what the server allows, and the NOTIFY trigger. */
@Injectable()
export class OutboxWakeRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async walSupport(): Promise<WalSupport> {
    const [support] = await this.db.query<WalSupport[]>(
      `SELECT current_setting('wal_level') AS "walLevel", r.rolname AS role,
         r.rolreplication OR r.rolsuper OR EXISTS (
           SELECT 1 FROM pg_roles g
           WHERE g.rolname = 'rds_replication' AND pg_has_role(r.oid, g.oid, 'member')
         ) AS "canReplicate"
       FROM pg_roles r WHERE r.rolname = current_user`,
    );
    return support;
  }

  /** Creates the trigger for `notify`, drops it otherwise; a no-op when it is already so. */
  async useMode(mode: OutboxWakeMode): Promise<void> {
    await this.db.query('SELECT notifier_set_outbox_wake($1)', [mode]);
  }
}
