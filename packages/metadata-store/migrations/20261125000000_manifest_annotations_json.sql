-- Annotations are JSON strings, and JSON may hold two things jsonb refuses: the escape \u0000 and a
-- UTF-16 surrogate without its pair (\ud800). Annotations jsonb can hold stay in `annotations`, where
-- pods of the previous version read them during a roll-out; the others go to `annotations_json`, whose
-- json type keeps the JSON text as given and accepts both. Previous-version pods list such referrers
-- without annotations until the roll-out ends (they refused those manifests themselves). A nullable
-- column without a default is added without rewriting the table.
ALTER TABLE manifests ADD COLUMN annotations_json json;
