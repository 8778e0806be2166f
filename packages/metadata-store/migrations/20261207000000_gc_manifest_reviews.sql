-- Garbage collection of untagged manifests, off unless the deployment turns it on
-- (`gc.untaggedManifests`): clusters pull by digest, so a manifest no tag names may still be in
-- use. When on, a manifest that may have become unreachable is queued for review: pushed (it may
-- never be tagged), its last tag deleted or moved, an index listing it deleted, its subject
-- deleted. The review deletes it, with the referrers (signatures, SBOMs) no tag keeps, when no tag
-- names it, no index lists it and its subject, if it has one, is gone. Its blobs' links are then
-- reviewed as for any deleted manifest. docs/gc.md gives the safety argument.
--
-- Deployments that ran before garbage collection have links and blobs that no review was ever
-- queued for; they are queued here, once, due after the delay.

ALTER TABLE gc_settings ADD COLUMN untagged_manifests boolean NOT NULL DEFAULT false;

-- No foreign key: a review queued by a cascade may outlive the manifest it names, and is then
-- dropped by the review that finds the manifest gone.
CREATE TABLE gc_manifest_reviews (
    manifest_id bigint PRIMARY KEY,
    review_after timestamptz NOT NULL,
    reason text NOT NULL
);

CREATE INDEX gc_manifest_reviews_due_idx ON gc_manifest_reviews (review_after);

CREATE FUNCTION berth_gc_queue_manifest_review(mid bigint, why text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    INSERT INTO gc_manifest_reviews (manifest_id, review_after, reason)
    SELECT mid, berth_gc_due(), why FROM gc_settings s
    WHERE s.untagged_manifests AND EXISTS (SELECT 1 FROM manifests m WHERE m.id = mid)
    ON CONFLICT (manifest_id) DO UPDATE
        SET review_after = greatest(gc_manifest_reviews.review_after, excluded.review_after),
            reason = excluded.reason
$$;

CREATE FUNCTION berth_gc_manifest_pushed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_manifest_review(NEW.id, 'pushed');
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_manifest_pushed AFTER INSERT ON manifests
    FOR EACH ROW EXECUTE FUNCTION berth_gc_manifest_pushed();

CREATE FUNCTION berth_gc_tag_left() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_manifest_review(OLD.manifest_id, 'untagged');
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_tag_deleted AFTER DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION berth_gc_tag_left();

CREATE TRIGGER gc_tag_moved AFTER UPDATE OF manifest_id ON tags
    FOR EACH ROW WHEN (OLD.manifest_id <> NEW.manifest_id) EXECUTE FUNCTION berth_gc_tag_left();

CREATE FUNCTION berth_gc_parent_left() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_manifest_review(OLD.child_id, 'index deleted');
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_parent_deleted AFTER DELETE ON manifest_references
    FOR EACH ROW EXECUTE FUNCTION berth_gc_parent_left();

CREATE FUNCTION berth_gc_subject_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM berth_gc_queue_manifest_review(r.id, 'subject deleted')
    FROM manifests r WHERE r.repository_id = OLD.repository_id AND r.subject_digest = OLD.digest;
    RETURN OLD;
END
$$;

CREATE TRIGGER gc_subject_deleted BEFORE DELETE ON manifests
    FOR EACH ROW EXECUTE FUNCTION berth_gc_subject_deleted();

INSERT INTO gc_link_reviews (repository_id, blob_digest, review_after, reason)
SELECT rb.repository_id, rb.blob_digest, berth_gc_due(), 'backfill'
FROM repository_blobs rb
WHERE NOT EXISTS (
    SELECT 1 FROM manifest_blobs mb JOIN manifests m ON m.id = mb.manifest_id
    WHERE m.repository_id = rb.repository_id AND mb.blob_digest = rb.blob_digest
)
ON CONFLICT DO NOTHING;

INSERT INTO gc_blob_reviews (blob_digest, review_after, reason)
SELECT b.digest, berth_gc_due(), 'backfill'
FROM blobs b
WHERE NOT EXISTS (SELECT 1 FROM repository_blobs rb WHERE rb.blob_digest = b.digest)
  AND NOT EXISTS (SELECT 1 FROM manifest_blobs mb WHERE mb.blob_digest = b.digest)
ON CONFLICT DO NOTHING;

-- A review that could only keep what it reviews is dropped: a link's once the link is gone or a
-- manifest of its repository references the blob, a manifest's once a tag names it or an index
-- lists it. The change that could leave either unused again queues a new one. This keeps the
-- queues to what may really be garbage, and the blob reads that postpone a review off the rows of
-- every layer pushed in the last day.
CREATE OR REPLACE FUNCTION berth_gc_link_removed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gc_link_reviews
    WHERE repository_id = OLD.repository_id AND blob_digest = OLD.blob_digest;
    INSERT INTO gc_blob_reviews (blob_digest, review_after, reason)
    VALUES (OLD.blob_digest, berth_gc_due(), 'unlinked')
    ON CONFLICT (blob_digest) DO UPDATE
        SET review_after = greatest(gc_blob_reviews.review_after, excluded.review_after),
            reason = excluded.reason;
    RETURN NULL;
END
$$;

CREATE FUNCTION berth_gc_blobs_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gc_link_reviews g
    USING referenced x JOIN manifests m ON m.id = x.manifest_id
    WHERE g.repository_id = m.repository_id AND g.blob_digest = x.blob_digest;
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_blobs_referenced AFTER INSERT ON manifest_blobs
    REFERENCING NEW TABLE AS referenced
    FOR EACH STATEMENT EXECUTE FUNCTION berth_gc_blobs_referenced();

CREATE FUNCTION berth_gc_manifest_tagged() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gc_manifest_reviews WHERE manifest_id = NEW.manifest_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_manifest_tagged AFTER INSERT OR UPDATE OF manifest_id ON tags
    FOR EACH ROW EXECUTE FUNCTION berth_gc_manifest_tagged();

CREATE FUNCTION berth_gc_manifest_listed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM gc_manifest_reviews WHERE manifest_id = NEW.child_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER gc_manifest_listed AFTER INSERT ON manifest_references
    FOR EACH ROW EXECUTE FUNCTION berth_gc_manifest_listed();

-- A read postpones a review only when that moves it: a review already due at least a delay from
-- now is left alone, so that reads of a popular blob do not rewrite its row one after another.
CREATE OR REPLACE FUNCTION berth_gc_postpone_link(repo_id bigint, digest text) RETURNS void
LANGUAGE sql VOLATILE AS $$
    UPDATE gc_link_reviews SET review_after = berth_gc_due()
    WHERE repository_id = repo_id AND blob_digest = digest
      AND review_after < now() + (
          SELECT coalesce(s.review_delay, '24 hours') FROM (SELECT 1) AS one LEFT JOIN gc_settings s ON true
      )
$$;

-- How many reviews were done, by minute, by every process together: the rate at which the status
-- reports when what is due will be done. Kept for an hour.
CREATE TABLE gc_progress (
    minute timestamptz PRIMARY KEY,
    reviews bigint NOT NULL
);
