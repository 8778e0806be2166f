-- Domain events, each written in the same transaction as the change it describes (a transactional
-- outbox), and the durable cursors of the consumers that read them.
--
-- Order. An identity value alone cannot serve as a cursor: it is drawn before commit, so a
-- transaction holding a smaller value may commit after a larger one was read, and a consumer that
-- had moved past the larger would never see it. Events are therefore ordered by the id of the
-- transaction that wrote them (xid8, which never wraps), then by their own id, and read only
-- below the oldest transaction still running in the reader's snapshot (pg_snapshot_xmin): every
-- transaction below it has ended, so nothing can appear behind a cursor later. Every transaction
-- that writes events for a repository takes that repository's row lock before its first write
-- (berth_lock_repository), so that writers of one repository are given transaction ids in the order
-- in which they commit, and their events are read in that order.
CREATE TABLE events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    transaction_id xid8 NOT NULL DEFAULT pg_current_xact_id(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    kind text NOT NULL,
    repository text COLLATE "C" NOT NULL,
    digest text,
    tag text COLLATE "C",
    actor text,
    -- What only some kinds carry: size, media type, the digest a tag pointed at before.
    detail jsonb,
    PRIMARY KEY (transaction_id, id)
);

-- Pruning by age.
CREATE INDEX events_occurred_at_idx ON events (occurred_at);

CREATE TABLE event_consumers (
    name text COLLATE "C" PRIMARY KEY,
    -- The position of the last event the consumer has handled: it reads what follows.
    transaction_id xid8 NOT NULL,
    event_id bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Locks a repository's row for the rest of the transaction, creating the repository (and its
-- event) when `create_missing`; NULL when it does not exist and is not to be created. Must be the
-- transaction's first write: see the note on order above.
CREATE FUNCTION berth_lock_repository(repository_name text, actor_name text, create_missing boolean)
RETURNS bigint
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    repo_id bigint;
BEGIN
    FOR attempt IN 1..3 LOOP
        SELECT r.id INTO repo_id FROM repositories r WHERE r.name = repository_name FOR NO KEY UPDATE;
        IF FOUND OR NOT create_missing THEN
            RETURN repo_id;
        END IF;
        INSERT INTO repositories AS r (name) VALUES (repository_name)
            ON CONFLICT (name) DO NOTHING RETURNING r.id INTO repo_id;
        IF FOUND THEN
            INSERT INTO events (kind, repository, actor) VALUES ('repository.created', repository_name, actor_name);
            RETURN repo_id;
        END IF;
    END LOOP;
    RAISE EXCEPTION 'a concurrent transaction kept deleting repository %', repository_name;
END
$$;
