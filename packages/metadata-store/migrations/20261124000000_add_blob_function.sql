-- Recording an uploaded blob is on the critical path of every push. As a client-side transaction
-- it takes six round trips (BEGIN, select or insert the blob, select or insert the repository,
-- link, COMMIT); as one function call it takes one. Each statement below runs with a fresh
-- snapshot (READ COMMITTED, VOLATILE), so a row a concurrent transaction inserted first is found
-- on the next try, as in the client-side version.
CREATE FUNCTION berth_add_blob(repository_name text, blob_digest text, blob_size bigint, blob_storage_key text)
RETURNS TABLE (digest text, size bigint, storage_key text, created boolean)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    repo_id bigint;
BEGIN
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
    FOR attempt IN 1..3 LOOP
        SELECT r.id INTO repo_id FROM repositories r WHERE r.name = repository_name;
        EXIT WHEN FOUND;
        INSERT INTO repositories AS r (name) VALUES (repository_name)
            ON CONFLICT (name) DO NOTHING RETURNING r.id INTO repo_id;
        EXIT WHEN FOUND;
        IF attempt = 3 THEN
            RAISE EXCEPTION 'a concurrent transaction kept deleting repository %', repository_name;
        END IF;
    END LOOP;
    INSERT INTO repository_blobs (repository_id, blob_digest) VALUES (repo_id, blob_digest)
        ON CONFLICT DO NOTHING;
END
$$;
