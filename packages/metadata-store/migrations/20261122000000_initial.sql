-- Registry metadata in the shape of the GitLab container registry database: blobs are global,
-- repositories link to them, manifests belong to one repository and reference blobs and other
-- manifests, tags name manifests. Names and tags use the "C" collation so that they sort by bytes,
-- as the OCI distribution spec requires, and paging is an index range scan.

CREATE TABLE repositories (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text COLLATE "C" NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blobs (
    digest text PRIMARY KEY,
    size bigint NOT NULL CHECK (size >= 0),
    storage_key text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE repository_blobs (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    blob_digest text NOT NULL REFERENCES blobs (digest),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, blob_digest)
);

-- Garbage collection asks which repositories still link a blob.
CREATE INDEX repository_blobs_blob_digest_idx ON repository_blobs (blob_digest);

CREATE TABLE manifests (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    digest text NOT NULL,
    media_type text NOT NULL,
    artifact_type text,
    subject_digest text,
    annotations jsonb,
    payload bytea NOT NULL,
    size bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (repository_id, digest)
);

-- The referrers API; most manifests have no subject, so they stay out of the index.
CREATE INDEX manifests_referrers_idx ON manifests (repository_id, subject_digest)
    WHERE subject_digest IS NOT NULL;

-- The config and layers of an image manifest.
CREATE TABLE manifest_blobs (
    manifest_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    blob_digest text NOT NULL REFERENCES blobs (digest),
    PRIMARY KEY (manifest_id, blob_digest)
);

CREATE INDEX manifest_blobs_blob_digest_idx ON manifest_blobs (blob_digest);

-- The manifests an index lists.
CREATE TABLE manifest_references (
    parent_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    child_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id),
    CHECK (parent_id <> child_id)
);

-- Deleting a manifest cascades to the indexes that list it.
CREATE INDEX manifest_references_child_id_idx ON manifest_references (child_id);

CREATE TABLE tags (
    repository_id bigint NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name text COLLATE "C" NOT NULL,
    manifest_id bigint NOT NULL REFERENCES manifests (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (repository_id, name)
);

-- Deleting a manifest cascades to the tags that name it.
CREATE INDEX tags_manifest_id_idx ON tags (manifest_id);
