-- Online garbage collection on review queues, in the shape GitLab's metadata database proved: a
-- change that may leave something unreferenced queues a review of it, in the same transaction,
-- due after a delay; workers on any process claim due reviews, re-check every reference under row
-- locks and delete only what nothing references. Triggers queue the reviews, so that no write
-- path (nor a cascade) can forget to. docs/gc.md gives the safety argument.
--
-- Two kinds of review:
-- - a repository's link to a blob, queued when the link is made (an upload or mount that no
--   manifest may follow) and when a manifest of the repository that referenced the blob goes;
--   the link is removed when no manifest of the repository references the blob;
-- - a blob, queued when its last link may have gone; the blob (row, then object) is deleted when
--   no repository links it and no manifest references it.

-- One row once configured; the defaults hold until then.
CREATE TABLE gc_settings (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    -- How long after the change that queued it a review is due, plus up to `review_jitter`.
    review_delay interval NOT NULL DEFAULT '24 hours',
    review_jitter interval NOT NULL DEFAULT '1 hour'
);

CREATE TABLE gc_link_reviews (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    blob_digest text NOT NULL,
    review_after timestamptz NOT NULL,
    reason text NOT NULL,
    PRIMARY KEY (repository_id, blob_digest)
);

CREATE INDEX gc_link_reviews_due_idx ON gc_link_reviews (review_after);

CREATE TABLE gc_blob_reviews (
    blob_digest text PRIMARY KEY,
    review_after timestamptz NOT NULL,
    reason text NOT NULL
);

CREATE INDEX gc_blob_reviews_due_idx ON gc_blob_reviews (review_after);

-- When a review queued now is due. A review queued again is postponed to the later of the two
-- times, never brought forward and never duplicated.
CREATE FUNCTION berth_gc_due() RETURNS timestamptz
LANGUAGE sql VOLATILE AS $$
    SELECT now() + coalesce(s.review_delay, '24 hours') + random() * coalesce(s.review_jitter, '1 hour')
    FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
$$;

CREATE FUNCTION berth_gc_queue_link_review(repo_id bigint, digest text, why text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    INSERT INTO gc_link_reviews (repository_id, blob_digest, review_after, reason)
    VALUES (repo_id, digest, berth_gc_due(), why)
    ON CONFLICT (repository_id, blob_digest) DO UPDATE
        SET review_after = greatest(gc_link_reviews.review_after, excluded.review_after),
            reason = excluded.reason
$$;

CREATE FUNCTION berth_gc_link_made() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_link_review(NEW.repository_id, NEW.blob_digest, 'linked');
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_link_made AFTER INSERT ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION berth_gc_link_made();

CREATE FUNCTION berth_gc_link_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO gc_blob_reviews (blob_digest, review_after, reason)
    VALUES (OLD.blob_digest, berth_gc_due(), 'unlinked')
    ON CONFLICT (blob_digest) DO UPDATE
        SET review_after = greatest(gc_blob_reviews.review_after, excluded.review_after),
            reason = excluded.reason;
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_link_removed AFTER DELETE ON repository_blobs
    FOR EACH ROW EXECUTE FUNCTION berth_gc_link_removed();

-- Before the manifest's row goes, while its blob references can still be read with it.
CREATE FUNCTION berth_gc_manifest_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_link_review(OLD.repository_id, mb.blob_digest, 'manifest deleted')
    FROM manifest_blobs mb WHERE mb.manifest_id = OLD.id;
    RETURN OLD;
END
$$;

CREATE TRIGGER gc_manifest_deleted BEFORE DELETE ON manifests
    FOR EACH ROW EXECUTE FUNCTION berth_gc_manifest_deleted();

-- A link used again (its blob read, uploaded or mounted once more) while its review is queued:
-- the review is pushed back, so a client that checked a blob exists has the whole delay to push
-- the manifest that needs it.
CREATE FUNCTION berth_gc_postpone_link(repo_id bigint, digest text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    UPDATE gc_link_reviews SET review_after = greatest(review_after, berth_gc_due())
    WHERE repository_id = repo_id AND blob_digest = digest
$$;

-- berth_add_blob (see its first migration) with the repository locked first (see the events
-- migration), the event of a new link recorded, and the review of a link that existed postponed.
DROP FUNCTION berth_add_blob(text, text, bigint, text);

CREATE FUNCTION berth_add_blob(
    repository_name text, blob_digest text, blob_size bigint, blob_storage_key text, actor_name text
)
RETURNS TABLE (digest text, size bigint, storage_key text, created boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    repo_id bigint;
BEGIN
    repo_id := berth_lock_repository(repository_name, actor_name, true);
    FOR attempt IN 1..3 LOOP
        RETURN QUERY SELECT b.digest, b.size, b.storage_key, false FROM blobs b
            WHERE b.digest = blob_digest FOR KEY SHARE;
        EXIT WHEN FOUND;
        RETURN QUERY INSERT INTO blobs AS b (digest, size, storage_key)
            VALUES (blob_digest, blob_size, blob_storage_key)
            ON CONFLICT (digest) DO NOTHING
            RETURNING b.digest, b.size, b.storage_key, true;
        EXIT WHEN FOUND;
        IF attempt = 3 THEN
            RAISE EXCEPTION 'a concurrent transaction kept deleting blob %', blob_digest;
        END IF;
    END LOOP;
    INSERT INTO repository_blobs (repository_id, blob_digest) VALUES (repo_id, blob_digest)
        ON CONFLICT DO NOTHING;
    IF FOUND THEN
        INSERT INTO events (kind, repository, digest, actor, detail)
            VALUES ('blob.uploaded', repository_name, blob_digest, actor_name,
                    jsonb_build_object('size', blob_size));
    ELSE
        PERFORM berth_gc_postpone_link(repo_id, blob_digest);
    END IF;
END
$$;
