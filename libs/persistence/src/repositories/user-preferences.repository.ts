import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** What a user lets interrupt them; the contract's JSON shape, as stored. */
export interface UserPreferences {
  push: {
    /** Types never pushed: a type, or a prefix followed by `*`. */
    mutedTypes: string[];
  };
}

const NOTHING_SET: UserPreferences = { push: { mutedTypes: [] } };

/**
 * `user_preferences`: the only place with its SQL. The push worker reads the muted types in
 * its own claim (PushDeliveryRepository), joined to this table.
 */
@Injectable()
export class UserPreferencesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async find(userId: string): Promise<UserPreferences> {
    const [row] = await this.db.query<{ preferences: UserPreferences }[]>(
      `SELECT preferences FROM user_preferences WHERE user_id = $1`,
      [userId],
    );
    return row?.preferences ?? NOTHING_SET;
  }

  /** Replaces the user's preferences; returns what was stored. */
  async replace(userId: string, preferences: UserPreferences): Promise<UserPreferences> {
    const [row] = await this.db.query<{ preferences: UserPreferences }[]>(
      `INSERT INTO user_preferences (user_id, preferences) VALUES ($1, $2::jsonb)
       ON CONFLICT (user_id) DO UPDATE SET preferences = excluded.preferences, updated_at = now()
       RETURNING preferences`,
      [userId, JSON.stringify(preferences)],
    );
    return row.preferences;
  }
}
