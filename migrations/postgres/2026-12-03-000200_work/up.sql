-- Organising work: labels (each user's own), labels on tasks, comments on
-- tasks, and the full-text index of projects, tasks and comments.
CREATE TABLE labels (
    id BIGSERIAL PRIMARY KEY,
    owner_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    color TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (owner_id, name_key)
);

CREATE TABLE task_labels (
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id BIGINT NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_label_idx ON task_labels (label_id, task_id);

CREATE TABLE comments (
    id BIGSERIAL PRIMARY KEY,
    task_id BIGINT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_task_idx ON comments (task_id, id);
CREATE INDEX comments_author_idx ON comments (author_id);

-- Full-text index: a generated tsvector column per searchable table with a
-- GIN index, so the database keeps it in sync. Accents are folded by this
-- IMMUTABLE function (lower() + translate(), both built in) rather than the
-- unaccent extension, which a managed database may not allow installing;
-- search queries go through the same function, so both sides fold alike.
CREATE FUNCTION fw_search_fold(t TEXT) RETURNS TEXT
    LANGUAGE SQL IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT translate(lower(t), 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿāăąćĉċčďēĕėęěĝğġģĥĩīĭįĵķĺļľńņňōŏőŕŗřśŝşšţťũūŭůűųŵŷźżžơưǎǐǒǔǖǘǚǜǟǡǧǩǫǭǰǵǹǻȁȃȅȇȉȋȍȏȑȓȕȗșțȟȧȩȫȭȯȱȳøđłħıŧæœ', 'aaaaaaceeeeiiiinooooouuuuyyaaaccccdeeeeegggghiiiijklllnnnooorrrssssttuuuuuuwyzzzouaiouuuuuaagkoojgnaaaeeiioorruusthaeooooyodlhitao') $$;

ALTER TABLE projects ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, fw_search_fold(
        name || ' ' || coalesce(description, '') || ' ' || coalesce(client, '')))
) STORED;
CREATE INDEX projects_search_idx ON projects USING GIN (search_vector);

ALTER TABLE tasks ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, fw_search_fold(title || ' ' || coalesce(description, '')))
) STORED;
CREATE INDEX tasks_search_idx ON tasks USING GIN (search_vector);

ALTER TABLE comments ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    to_tsvector('simple'::regconfig, fw_search_fold(body))
) STORED;
CREATE INDEX comments_search_idx ON comments USING GIN (search_vector);
