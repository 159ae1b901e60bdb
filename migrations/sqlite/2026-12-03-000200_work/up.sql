-- Organising work: labels (each user's own), labels on tasks, comments on
-- tasks, and the full-text index of projects, tasks and comments.
CREATE TABLE labels (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    color TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (owner_id, name_key)
);

CREATE TABLE task_labels (
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    label_id INTEGER NOT NULL REFERENCES labels (id) ON DELETE CASCADE,
    PRIMARY KEY (task_id, label_id)
);
CREATE INDEX task_labels_label_idx ON task_labels (label_id, task_id);

CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX comments_task_idx ON comments (task_id, id);
CREATE INDEX comments_author_idx ON comments (author_id);

-- Full-text index: one FTS5 table per searchable table, rowid = the row's
-- id, kept in sync by triggers (cascaded deletes fire them too). The
-- tokenizer folds case and diacritics; queries use prefix terms.
CREATE VIRTUAL TABLE projects_fts USING fts5(
    name, description, client, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE tasks_fts USING fts5(
    title, description, tokenize = 'unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE comments_fts USING fts5(
    body, tokenize = 'unicode61 remove_diacritics 2');

INSERT INTO projects_fts (rowid, name, description, client)
    SELECT id, name, coalesce(description, ''), coalesce(client, '') FROM projects;
INSERT INTO tasks_fts (rowid, title, description)
    SELECT id, title, coalesce(description, '') FROM tasks;

CREATE TRIGGER projects_fts_insert AFTER INSERT ON projects BEGIN
    INSERT INTO projects_fts (rowid, name, description, client)
    VALUES (new.id, new.name, coalesce(new.description, ''), coalesce(new.client, ''));
END;
CREATE TRIGGER projects_fts_update AFTER UPDATE OF name, description, client ON projects BEGIN
    DELETE FROM projects_fts WHERE rowid = old.id;
    INSERT INTO projects_fts (rowid, name, description, client)
    VALUES (new.id, new.name, coalesce(new.description, ''), coalesce(new.client, ''));
END;
CREATE TRIGGER projects_fts_delete AFTER DELETE ON projects BEGIN
    DELETE FROM projects_fts WHERE rowid = old.id;
END;

CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
    INSERT INTO tasks_fts (rowid, title, description)
    VALUES (new.id, new.title, coalesce(new.description, ''));
END;
CREATE TRIGGER tasks_fts_update AFTER UPDATE OF title, description ON tasks BEGIN
    DELETE FROM tasks_fts WHERE rowid = old.id;
    INSERT INTO tasks_fts (rowid, title, description)
    VALUES (new.id, new.title, coalesce(new.description, ''));
END;
CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
    DELETE FROM tasks_fts WHERE rowid = old.id;
END;

CREATE TRIGGER comments_fts_insert AFTER INSERT ON comments BEGIN
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_update AFTER UPDATE OF body ON comments BEGIN
    DELETE FROM comments_fts WHERE rowid = old.id;
    INSERT INTO comments_fts (rowid, body) VALUES (new.id, new.body);
END;
CREATE TRIGGER comments_fts_delete AFTER DELETE ON comments BEGIN
    DELETE FROM comments_fts WHERE rowid = old.id;
END;
