-- The schema that the migrations (migrations/index.ts) give a fresh PostgreSQL 15 database,
-- as pg_dump --schema-only prints it. Written by `npm run schema:dump`; do not edit it:
-- test/schema.e2e-spec.ts fails when migrating gives anything else.

--
-- PostgreSQL database dump
--

--
-- Name: notifier_announce_closed_streams(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_announce_closed_streams() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      BEGIN
        PERFORM pg_notify('closed_streams_changed', '');
        RETURN NULL;
      END $$;


--
-- Name: notifier_drain_outbox(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_drain_outbox(batch integer, max_bytes integer DEFAULT 2147483647) RETURNS TABLE(previous_id bigint, newest bigint, taken integer, more boolean, id bigint, user_id text, type text, payload jsonb, created_at timestamp with time zone, traceparent text)
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      #variable_conflict use_column
      DECLARE
        previous bigint;
        newest_id bigint;
        moved integer;
        looked_at integer;
        ids bigint[];
        users text[];
        types text[];
        payloads jsonb[];
        created timestamptz[];
        traceparents text[];
      BEGIN
        -- One drain at a time (advisory lock "notf", 2), so that log ids follow commit order.
        PERFORM pg_advisory_xact_lock(1852798054, 2);
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO previous FROM notifications_id_seq;
        -- A payload's size is what the stream sends (its text), not what Postgres stores: a
        -- compressed jsonb is a fraction of it, and the batch is handed to the hub whole.
        WITH sized AS (
          SELECT id, bytes, sum(bytes) OVER (ORDER BY id) AS bytes_through
          FROM (SELECT id, octet_length(payload::text) AS bytes
                FROM notification_outbox ORDER BY id LIMIT batch) AS oldest
        ), taken AS (
          DELETE FROM notification_outbox
          WHERE id = ANY (ARRAY(SELECT id FROM sized WHERE bytes_through - bytes < max_bytes))
          RETURNING id, user_id, type, payload, created_at, traceparent, dedupe_key
        ), appended AS (
          INSERT INTO notifications (id, user_id, type, payload, payload_bytes, created_at, traceparent, dedupe_key)
          SELECT nextval('notifications_id_seq'), user_id, type, payload,
            bytes, created_at, traceparent, dedupe_key
          FROM (SELECT taken.*, sized.bytes FROM taken JOIN sized USING (id) ORDER BY id) AS in_producer_order
          -- A key already in the log, or taken earlier in this batch, drops the row.
          ON CONFLICT (user_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id, user_id, type, payload, created_at, traceparent
        )
        SELECT (SELECT count(*)::integer FROM taken), (SELECT count(*)::integer FROM sized),
          array_agg(id ORDER BY id),
          array_agg(user_id ORDER BY id), array_agg(type ORDER BY id),
          array_agg(payload ORDER BY id), array_agg(created_at ORDER BY id),
          array_agg(traceparent ORDER BY id)
          INTO moved, looked_at, ids, users, types, payloads, created, traceparents
          FROM appended;
        SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END
          INTO newest_id FROM notifications_id_seq;
        IF newest_id > previous THEN
          PERFORM pg_notify('notifications_appended', newest_id::text);
        END IF;
        RETURN QUERY
          SELECT previous, newest_id, moved, looked_at > moved OR looked_at = batch, r.id, r.user_id, r.type, r.payload, r.created_at, r.traceparent
          FROM (SELECT 1) AS one
          LEFT JOIN unnest(ids, users, types, payloads, created, traceparents)
            AS r (id, user_id, type, payload, created_at, traceparent) ON true
          ORDER BY r.id;
      END $$;


--
-- Name: notifier_fit_payload(jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_fit_payload(payload jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
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
  END $$;


--
-- Name: notifier_next_read_state_change_id(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_next_read_state_change_id() RETURNS bigint
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      BEGIN
        PERFORM pg_advisory_xact_lock(1852798054, 3);
        PERFORM pg_notify('notifications_read', '');
        RETURN nextval('read_state_changes_id_seq');
      END $$;


--
-- Name: notifier_own_tables(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_own_tables() RETURNS TABLE(schema_name name, table_name name)
    LANGUAGE sql IMMUTABLE
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      SELECT 'public'::name, t::name FROM unnest(ARRAY['notification_outbox', 'notifications', 'notifier_watches', 'closed_streams', 'retention_watermark', 'read_state_changes', 'push_subscriptions', 'push_deliveries', 'push_scan', 'migrations', 'retention_user_watermarks', 'user_preferences']) AS t $$;


--
-- Name: FUNCTION notifier_own_tables(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.notifier_own_tables() IS 'The tables of the Notifier service (migrations is TypeORM''s record of its migrations); none may be watched';


--
-- Name: notifier_refuse_unwatchable_table(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_refuse_unwatchable_table() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      DECLARE
        schema_name name;
        table_name name;
      BEGIN
        SELECT n.nspname, c.relname INTO schema_name, table_name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.oid = NEW.table_oid;
        IF schema_name IN ('pg_catalog', 'information_schema') OR schema_name LIKE 'pg\_toast%' THEN
          RAISE wrong_object_type
            USING MESSAGE = format('%s is a system catalog: it cannot be watched', table_name);
        END IF;
        IF (schema_name, table_name) IN (SELECT * FROM notifier_own_tables()) THEN
          RAISE wrong_object_type USING MESSAGE = format(
            '%s is a table of Notifier itself: watching it would notify about its own writes', table_name);
        END IF;
        RETURN NEW;
      END $$;


--
-- Name: notifier_row_changed(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_row_changed() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
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
  END $$;


--
-- Name: notifier_set_outbox_wake(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_set_outbox_wake(mode text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      DECLARE
        present boolean := EXISTS (
          SELECT 1 FROM pg_trigger
          WHERE tgrelid = 'notification_outbox'::regclass AND tgname = 'notification_outbox_inserted');
      BEGIN
        IF mode IS NULL OR mode NOT IN ('wal', 'notify', 'poll') THEN
          RAISE EXCEPTION 'outbox wake mode must be wal, notify or poll, not %', mode
            USING ERRCODE = 'invalid_parameter_value';
        END IF;
        IF mode = 'notify' AND NOT present THEN
          BEGIN
            CREATE TRIGGER notification_outbox_inserted
              AFTER INSERT ON notification_outbox
              FOR EACH STATEMENT EXECUTE FUNCTION notifier_wake_ingester();
          EXCEPTION WHEN duplicate_object THEN
            -- Another instance starting at the same time created it: the state asked for holds.
            NULL;
          END;
        ELSIF mode <> 'notify' AND present THEN
          DROP TRIGGER IF EXISTS notification_outbox_inserted ON notification_outbox;
        END IF;
      END $$;


--
-- Name: notifier_unwatch(regclass); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_unwatch(tbl regclass) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
  BEGIN
    DELETE FROM notifier_watches WHERE table_oid = tbl;
    IF NOT FOUND THEN
      RETURN false;
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS notifier_watch ON %s', tbl);
    RETURN true;
  END $$;


--
-- Name: notifier_wake_ingester(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_wake_ingester() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $$
      BEGIN
        PERFORM pg_notify('notification_outbox', '');
        RETURN NULL;
      END $$;


--
-- Name: notifier_watches; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notifier_watches (
    table_oid regclass NOT NULL,
    user_column text NOT NULL,
    type text,
    columns text[],
    key_columns text[] NOT NULL,
    watched_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT notifier_watches_columns_not_empty CHECK ((cardinality(columns) > 0)),
    CONSTRAINT notifier_watches_type_matches_the_outbox_rule CHECK ((type ~ '^[A-Za-z0-9_.:-]{1,100}$'::text))
);


--
-- Name: TABLE notifier_watches; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.notifier_watches IS 'Tables whose row changes notify the user in user_column; managed by notifier_watch() and notifier_unwatch()';


--
-- Name: notifier_watch(regclass, text, text, text[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.notifier_watch(tbl regclass, user_column text, type text DEFAULT NULL::text, columns text[] DEFAULT NULL::text[]) RETURNS public.notifier_watches
    LANGUAGE plpgsql
    SET search_path TO 'public', 'pg_catalog', 'pg_temp'
    AS $_$
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
  END $_$;


--
-- Name: closed_streams; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.closed_streams (
    user_id text NOT NULL,
    closed_at timestamp with time zone DEFAULT now() NOT NULL,
    reason text,
    CONSTRAINT closed_streams_reason_at_most_500_chars CHECK ((char_length(reason) <= 500))
);


--
-- Name: migrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.migrations (
    id integer NOT NULL,
    "timestamp" bigint NOT NULL,
    name character varying NOT NULL
);


--
-- Name: migrations_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.migrations_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: migrations_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.migrations_id_seq OWNED BY public.migrations.id;


--
-- Name: notification_outbox; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notification_outbox (
    id bigint NOT NULL,
    user_id text NOT NULL,
    type text DEFAULT 'message'::text NOT NULL,
    payload jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    traceparent text,
    dedupe_key text,
    CONSTRAINT outbox_dedupe_key_1_to_200_chars_without_control_characters CHECK ((((char_length(dedupe_key) >= 1) AND (char_length(dedupe_key) <= 200)) AND (dedupe_key !~ '[\x01-\x1f\x7f-\x9f]'::text))),
    CONSTRAINT outbox_payload_at_most_64_kib CHECK ((octet_length((payload)::text) <= 65536)),
    CONSTRAINT outbox_traceparent_is_w3c_trace_context CHECK ((traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'::text)),
    CONSTRAINT outbox_type_matches_a_z_0_9_dot_colon_dash_underscore_1_to_100 CHECK ((type ~ '^[A-Za-z0-9_.:-]{1,100}$'::text)),
    CONSTRAINT outbox_user_id_1_to_200_chars_without_control_characters CHECK ((((char_length(user_id) >= 1) AND (char_length(user_id) <= 200)) AND (user_id !~ '[\x01-\x1f\x7f-\x9f]'::text)))
);


--
-- Name: notification_outbox_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.notification_outbox_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: notification_outbox_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.notification_outbox_id_seq OWNED BY public.notification_outbox.id;


--
-- Name: notifications; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.notifications (
    id bigint NOT NULL,
    user_id text NOT NULL,
    type text NOT NULL,
    payload jsonb NOT NULL,
    created_at timestamp with time zone NOT NULL,
    stored_at timestamp with time zone DEFAULT now() NOT NULL,
    read_at timestamp with time zone,
    payload_bytes integer NOT NULL,
    traceparent text,
    delivered_at timestamp with time zone,
    dedupe_key text,
    CONSTRAINT notifications_traceparent_is_w3c_trace_context CHECK ((traceparent ~ '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$'::text))
)
WITH (fillfactor='50');


--
-- Name: notifications_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.notifications_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: notifications_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.notifications_id_seq OWNED BY public.notifications.id;


--
-- Name: push_deliveries; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.push_deliveries (
    notification_id bigint NOT NULL,
    subscription_id bigint NOT NULL,
    state text NOT NULL,
    attempts integer DEFAULT 1 NOT NULL,
    next_attempt_at timestamp with time zone NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    last_error text,
    CONSTRAINT push_deliveries_state_is_known CHECK ((state = ANY (ARRAY['sending'::text, 'retry'::text, 'sent'::text, 'failed'::text])))
);


--
-- Name: push_scan; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.push_scan (
    singleton boolean DEFAULT true NOT NULL,
    scanned_up_to bigint NOT NULL,
    CONSTRAINT push_scan_one_row CHECK (singleton)
);


--
-- Name: push_subscriptions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.push_subscriptions (
    id bigint NOT NULL,
    endpoint text NOT NULL,
    user_id text NOT NULL,
    p256dh text NOT NULL,
    auth text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT push_subscriptions_auth_is_16_bytes_base64url CHECK ((auth ~ '^[A-Za-z0-9_-]{22}$'::text)),
    CONSTRAINT push_subscriptions_endpoint_https_at_most_1000_chars CHECK (((endpoint ~~ 'https://%'::text) AND (char_length(endpoint) <= 1000))),
    CONSTRAINT push_subscriptions_p256dh_is_65_bytes_base64url CHECK ((p256dh ~ '^[A-Za-z0-9_-]{87}$'::text)),
    CONSTRAINT push_subscriptions_user_id_1_to_200_chars CHECK (((char_length(user_id) >= 1) AND (char_length(user_id) <= 200)))
);


--
-- Name: push_subscriptions_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.push_subscriptions_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: push_subscriptions_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.push_subscriptions_id_seq OWNED BY public.push_subscriptions.id;


--
-- Name: read_state_changes; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.read_state_changes (
    id bigint NOT NULL,
    user_id text NOT NULL,
    ids bigint[],
    up_to bigint,
    changed_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT read_state_changes_ids_or_up_to CHECK (((ids IS NULL) <> (up_to IS NULL)))
);


--
-- Name: read_state_changes_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.read_state_changes_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: read_state_changes_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.read_state_changes_id_seq OWNED BY public.read_state_changes.id;


--
-- Name: retention_user_watermarks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_user_watermarks (
    user_id text NOT NULL,
    deleted_up_to bigint NOT NULL
);


--
-- Name: retention_watermark; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.retention_watermark (
    singleton boolean DEFAULT true NOT NULL,
    deleted_up_to bigint DEFAULT 0 NOT NULL,
    CONSTRAINT retention_watermark_one_row CHECK (singleton)
);


--
-- Name: user_preferences; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.user_preferences (
    user_id text NOT NULL,
    preferences jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT user_preferences_push_muted_types_is_an_array CHECK ((jsonb_typeof(((preferences -> 'push'::text) -> 'mutedTypes'::text)) = 'array'::text)),
    CONSTRAINT user_preferences_user_id_1_to_200_chars_no_control_characters CHECK ((((char_length(user_id) >= 1) AND (char_length(user_id) <= 200)) AND (user_id !~ '[\x01-\x1f\x7f-\x9f]'::text)))
);


--
-- Name: migrations id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.migrations ALTER COLUMN id SET DEFAULT nextval('public.migrations_id_seq'::regclass);


--
-- Name: notification_outbox id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_outbox ALTER COLUMN id SET DEFAULT nextval('public.notification_outbox_id_seq'::regclass);


--
-- Name: push_subscriptions id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_subscriptions ALTER COLUMN id SET DEFAULT nextval('public.push_subscriptions_id_seq'::regclass);


--
-- Name: migrations PK_8c82d7f526340ab734260ea46be; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.migrations
    ADD CONSTRAINT "PK_8c82d7f526340ab734260ea46be" PRIMARY KEY (id);


--
-- Name: closed_streams closed_streams_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.closed_streams
    ADD CONSTRAINT closed_streams_pkey PRIMARY KEY (user_id);


--
-- Name: notification_outbox notification_outbox_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notification_outbox
    ADD CONSTRAINT notification_outbox_pkey PRIMARY KEY (id);


--
-- Name: notifications notifications_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifications
    ADD CONSTRAINT notifications_pkey PRIMARY KEY (id);


--
-- Name: notifier_watches notifier_watches_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.notifier_watches
    ADD CONSTRAINT notifier_watches_pkey PRIMARY KEY (table_oid);


--
-- Name: push_deliveries push_deliveries_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_deliveries
    ADD CONSTRAINT push_deliveries_pkey PRIMARY KEY (notification_id, subscription_id);


--
-- Name: push_scan push_scan_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_scan
    ADD CONSTRAINT push_scan_pkey PRIMARY KEY (singleton);


--
-- Name: push_subscriptions push_subscriptions_endpoint_unique; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_endpoint_unique UNIQUE (endpoint);


--
-- Name: push_subscriptions push_subscriptions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_subscriptions
    ADD CONSTRAINT push_subscriptions_pkey PRIMARY KEY (id);


--
-- Name: read_state_changes read_state_changes_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.read_state_changes
    ADD CONSTRAINT read_state_changes_pkey PRIMARY KEY (id);


--
-- Name: retention_user_watermarks retention_user_watermarks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_user_watermarks
    ADD CONSTRAINT retention_user_watermarks_pkey PRIMARY KEY (user_id);


--
-- Name: retention_watermark retention_watermark_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.retention_watermark
    ADD CONSTRAINT retention_watermark_pkey PRIMARY KEY (singleton);


--
-- Name: user_preferences user_preferences_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.user_preferences
    ADD CONSTRAINT user_preferences_pkey PRIMARY KEY (user_id);


--
-- Name: notifications_unread_user_id_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notifications_unread_user_id_id ON public.notifications USING btree (user_id, id) WHERE (read_at IS NULL);


--
-- Name: notifications_user_id_dedupe_key; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX notifications_user_id_dedupe_key ON public.notifications USING btree (user_id, dedupe_key) WHERE (dedupe_key IS NOT NULL);


--
-- Name: notifications_user_id_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX notifications_user_id_id ON public.notifications USING btree (user_id, id);


--
-- Name: push_deliveries_pending; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX push_deliveries_pending ON public.push_deliveries USING btree (next_attempt_at) WHERE (state = ANY (ARRAY['sending'::text, 'retry'::text]));


--
-- Name: push_deliveries_subscription_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX push_deliveries_subscription_id ON public.push_deliveries USING btree (subscription_id);


--
-- Name: push_subscriptions_user_id_created_at; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX push_subscriptions_user_id_created_at ON public.push_subscriptions USING btree (user_id, created_at, id);


--
-- Name: closed_streams closed_streams_changed; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER closed_streams_changed AFTER INSERT OR DELETE OR UPDATE ON public.closed_streams FOR EACH STATEMENT EXECUTE FUNCTION public.notifier_announce_closed_streams();


--
-- Name: notifier_watches notifier_refuse_unwatchable_table; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER notifier_refuse_unwatchable_table BEFORE INSERT OR UPDATE OF table_oid ON public.notifier_watches FOR EACH ROW EXECUTE FUNCTION public.notifier_refuse_unwatchable_table();


--
-- Name: push_deliveries push_deliveries_notification_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_deliveries
    ADD CONSTRAINT push_deliveries_notification_id_fkey FOREIGN KEY (notification_id) REFERENCES public.notifications(id) ON DELETE CASCADE;


--
-- Name: push_deliveries push_deliveries_subscription_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.push_deliveries
    ADD CONSTRAINT push_deliveries_subscription_id_fkey FOREIGN KEY (subscription_id) REFERENCES public.push_subscriptions(id) ON DELETE CASCADE;


--
-- Name: notifier_outbox; Type: PUBLICATION; Schema: -; Owner: -
--

CREATE PUBLICATION notifier_outbox WITH (publish = 'insert');


--
-- Name: notifier_outbox notification_outbox; Type: PUBLICATION TABLE; Schema: public; Owner: -
--

ALTER PUBLICATION notifier_outbox ADD TABLE ONLY public.notification_outbox (id);


--
-- PostgreSQL database dump complete
--
