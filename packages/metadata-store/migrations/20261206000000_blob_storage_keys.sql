-- The orphan sweep asks which of a page of storage keys a blob row names.
CREATE INDEX blobs_storage_key_idx ON blobs (storage_key);
