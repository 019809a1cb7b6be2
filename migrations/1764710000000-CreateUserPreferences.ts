import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What each user lets interrupt them: `{"push":{"mutedTypes":[…]}}`, read by the push worker
 * when a notification falls due (never on the live path). A user without a row set nothing.
 */
export class CreateUserPreferences1764710000000 implements MigrationInterface {
  name = 'CreateUserPreferences1764710000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE user_preferences (
        user_id text PRIMARY KEY,
        preferences jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT user_preferences_user_id_1_to_200_chars_without_control_characters
          CHECK (char_length(user_id) BETWEEN 1 AND 200 AND user_id !~ '[\\x01-\\x1f\\x7f-\\x9f]'),
        CONSTRAINT user_preferences_push_muted_types_is_an_array
          CHECK (jsonb_typeof(preferences->'push'->'mutedTypes') = 'array')
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE user_preferences`);
  }
}
