import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change feed from any table: `SELECT notifier_watch('orders', 'customer_id')` makes every
 * INSERT, UPDATE and DELETE on `orders` write an outbox row for the row's customer, in the
 * writer's own transaction, so a rolled-back change notifies nobody.
 *
 * The settings live in `notifier_watches`, keyed by regclass (rename-proof, and pg_dump and
 * pg_upgrade carry it). Every watched table gets the same trigger, running one generic function
 * that finds its settings by TG_RELID: no SQL text is generated per table.
 */
export class CreateTableWatches1763850000000 implements MigrationInterface {
  name = 'CreateTableWatches1763850000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE notifier_watches (
        table_oid regclass PRIMARY KEY,
        user_column text NOT NULL,
        type text CONSTRAINT notifier_watches_type_matches_the_outbox_rule
          CHECK (type ~ '^[A-Za-z0-9_.:-]{1,100}$'),
        columns text[] CONSTRAINT notifier_watches_columns_not_empty
          CHECK (cardinality(columns) > 0),
        key_columns text[] NOT NULL,
        watched_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      COMMENT ON TABLE notifier_watches IS
        'Tables whose row changes notify the user in user_column; managed by notifier_watch() and notifier_unwatch()'`);

    await db.query(FIT_PAYLOAD);
    await db.query(ROW_CHANGED);
    await db.query(WATCH);
    await db.query(UNWATCH);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `SELECT notifier_unwatch(table_oid) FROM notifier_watches WHERE table_oid IN (SELECT oid FROM pg_class)`,
    );
    await db.query(`
      DROP FUNCTION notifier_watch(regclass, text, text, text[]), notifier_unwatch(regclass),
        notifier_row_changed(), notifier_fit_payload(jsonb)`);
    await db.query(`DROP TABLE notifier_watches`);
  }
}

/**
 * Keeps a payload under the outbox's 64 KiB rule by leaving the largest values of `row` out,
 * one at a time, and listing their names in `truncated`. Usually one big column is the cause,
 * so the loop runs once or twice.
 */
const FIT_PAYLOAD = `
  CREATE FUNCTION notifier_fit_payload(payload jsonb) RETURNS jsonb
  LANGUAGE plpgsql IMMUTABLE AS $$
  DECLARE
    dropped text[] := '{}';
    largest text;
  BEGIN
    WHILE octet_length(payload::text) > 65536 AND payload->'row' <> '{}' LOOP
      SELECT key INTO largest FROM jsonb_each(payload->'row')
      ORDER BY octet_length(value::text) DESC, key LIMIT 1;
      dropped := dropped || largest;
      payload := jsonb_set(payload, '{row}', (payload->'row') - largest)
        || jsonb_build_object('truncated', dropped);
    END LOOP;
    RETURN payload;
  END $$`;

/**
 * The one trigger function of every watched table. The user is the new row's user column (the
 * old row's for DELETE); null notifies nobody, and so does an UPDATE that changes no watched
 * column. The row sent is the new one (the old one for DELETE), limited to the watched columns.
 */
const ROW_CHANGED = `
  CREATE FUNCTION notifier_row_changed() RETURNS trigger
  LANGUAGE plpgsql AS $$
  DECLARE
    watch notifier_watches;
    op text := lower(TG_OP);
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    current_row jsonb := coalesce(new_row, old_row);
    user_id text;
    changed text[];
    payload jsonb;
  BEGIN
    SELECT * INTO watch FROM notifier_watches WHERE table_oid = TG_RELID;
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;
    user_id := current_row ->> watch.user_column;
    IF user_id IS NULL THEN
      RETURN NULL;
    END IF;

    IF TG_OP = 'UPDATE' THEN
      SELECT array_agg(attname ORDER BY attnum) INTO changed
      FROM pg_attribute
      WHERE attrelid = TG_RELID AND attnum > 0 AND NOT attisdropped
        AND (watch.columns IS NULL OR attname = ANY (watch.columns))
        AND new_row -> attname::text IS DISTINCT FROM old_row -> attname::text;
      IF changed IS NULL THEN
        RETURN NULL;
      END IF;
    END IF;

    payload := jsonb_build_object(
      'op', op,
      'schema', TG_TABLE_SCHEMA,
      'table', TG_TABLE_NAME,
      'key', (SELECT jsonb_object_agg(k, current_row -> k) FROM unnest(watch.key_columns) AS k),
      'row', CASE WHEN watch.columns IS NULL THEN current_row
             ELSE (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM jsonb_each(current_row)
                   WHERE key = ANY (watch.columns)) END);
    IF changed IS NOT NULL THEN
      payload := payload || jsonb_build_object('changed', changed);
    END IF;

    INSERT INTO notification_outbox (user_id, type, payload)
    VALUES (user_id, coalesce(watch.type, TG_TABLE_NAME || '.' || op), notifier_fit_payload(payload));
    RETURN NULL;
  END $$`;

/**
 * Watches a table, or changes the settings of a watched one; only the table's owner may, as
 * for any trigger. Names are checked against the catalog and the table is only ever spliced in
 * as a regclass, so no name can inject SQL.
 */
const WATCH = `
  CREATE FUNCTION notifier_watch(tbl regclass, user_column text, type text DEFAULT NULL,
                                 columns text[] DEFAULT NULL) RETURNS notifier_watches
  LANGUAGE plpgsql AS $$
  DECLARE
    table_name name;
    is_owner boolean;
    key_columns text[];
    unknown_columns text[];
    watch notifier_watches;
  BEGIN
    SELECT relname, pg_has_role(relowner, 'USAGE') INTO table_name, is_owner
    FROM pg_class WHERE oid = tbl AND relkind = 'r';
    IF NOT FOUND THEN
      RAISE invalid_parameter_value USING MESSAGE = format('%s is not an ordinary table', tbl),
        HINT = 'Views and partitioned tables cannot be watched; watch each partition instead.';
    END IF;
    -- Checked here too: re-watching a table that has its trigger creates nothing.
    IF NOT is_owner THEN
      RAISE insufficient_privilege USING MESSAGE = format('must be the owner of %s to watch it', tbl);
    END IF;

    SELECT array_agg(wanted ORDER BY ordinality) INTO unknown_columns
    FROM unnest(array[user_column] || coalesce(columns, '{}')) WITH ORDINALITY AS wanted
    WHERE wanted IS NULL OR NOT EXISTS (
      SELECT FROM pg_attribute
      WHERE attrelid = tbl AND attname = wanted AND attnum > 0 AND NOT attisdropped);
    IF unknown_columns IS NOT NULL THEN
      RAISE undefined_column USING MESSAGE = format('%s has no column %s', tbl,
        array_to_string(array(SELECT quote_ident(c) FROM unnest(unknown_columns) AS c), ', ', 'NULL'));
    END IF;
    IF cardinality(columns) = 0 THEN
      RAISE invalid_parameter_value USING MESSAGE = 'columns must name at least one column, or be NULL for all';
    END IF;

    IF coalesce(type, table_name || '.update') !~ '^[A-Za-z0-9_.:-]{1,100}$' THEN
      RAISE invalid_parameter_value USING MESSAGE = CASE WHEN type IS NULL
        THEN format('the table name %L cannot make a notification type (<table>.<operation>)', table_name)
        ELSE format('type %L does not match ^[A-Za-z0-9_.:-]{1,100}$', type) END,
        HINT = 'Pass a type made of letters, digits and _ . : - (at most 100 characters).';
    END IF;

    SELECT array_agg(a.attname::text ORDER BY k.ord) INTO key_columns
    FROM pg_index i
    CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
    JOIN pg_attribute a ON a.attrelid = tbl AND a.attnum = k.attnum
    WHERE i.indrelid = tbl AND i.indisprimary;
    IF key_columns IS NULL THEN
      RAISE invalid_parameter_value USING MESSAGE = format('%s has no primary key', tbl),
        HINT = 'Notifications name the changed row by its primary key.';
    END IF;

    -- Rows of tables dropped since they were watched would otherwise linger.
    DELETE FROM notifier_watches w WHERE NOT EXISTS (SELECT FROM pg_class WHERE oid = w.table_oid);
    INSERT INTO notifier_watches AS w (table_oid, user_column, type, columns, key_columns)
    VALUES (tbl, user_column, type, columns, key_columns)
    ON CONFLICT (table_oid) DO UPDATE
      SET user_column = excluded.user_column, type = excluded.type, columns = excluded.columns,
          key_columns = excluded.key_columns, watched_at = now()
    RETURNING * INTO watch;

    -- The trigger reads the settings when it fires, so a watched table keeps its trigger.
    IF NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = tbl AND tgname = 'notifier_watch') THEN
      EXECUTE format('CREATE TRIGGER notifier_watch AFTER INSERT OR UPDATE OR DELETE ON %s '
                     'FOR EACH ROW EXECUTE FUNCTION notifier_row_changed()', tbl);
    END IF;
    RETURN watch;
  END $$`;

/** Stops watching a table; returns whether it was watched. */
const UNWATCH = `
  CREATE FUNCTION notifier_unwatch(tbl regclass) RETURNS boolean
  LANGUAGE plpgsql AS $$
  BEGIN
    DELETE FROM notifier_watches WHERE table_oid = tbl;
    IF NOT FOUND THEN
      RETURN false;
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS notifier_watch ON %s', tbl);
    RETURN true;
  END $$`;
