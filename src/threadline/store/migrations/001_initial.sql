-- Files seen by ingest: one row per path, so a rerun skips what is done and lists what failed.
CREATE TABLE files (
    path        TEXT PRIMARY KEY,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ok', 'error')),
    reason      TEXT,
    documents   INTEGER NOT NULL DEFAULT 0,
    ingested_at TEXT NOT NULL
);

CREATE TABLE documents (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    sha256      TEXT NOT NULL UNIQUE,
    file_path   TEXT NOT NULL,
    title       TEXT,
    date        TEXT,
    source      TEXT,
    url         TEXT,
    format      TEXT NOT NULL,
    body_start  INTEGER NOT NULL DEFAULT 0,
    words       INTEGER NOT NULL DEFAULT 0,
    meta        TEXT NOT NULL DEFAULT '{}',
    text        TEXT NOT NULL
);
CREATE INDEX documents_file ON documents(file_path);

CREATE VIRTUAL TABLE documents_fts USING fts5(
    title, text, content='documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
    INSERT INTO documents_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
END;
CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
    INSERT INTO documents_fts(documents_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
END;

-- Sentence spans of every document; their text is sliced from documents.text.
CREATE TABLE sentences (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx         INTEGER NOT NULL,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    UNIQUE (document_id, idx)
);

CREATE TABLE entities (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    mentions     INTEGER NOT NULL,
    documents    INTEGER NOT NULL,
    watchlist_id TEXT
);
CREATE INDEX entities_type ON entities(type, mentions DESC);
CREATE INDEX entities_name ON entities(name COLLATE NOCASE);

CREATE TABLE mentions (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    sentence_id  INTEGER NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
    start        INTEGER NOT NULL,
    end          INTEGER NOT NULL,
    surface      TEXT NOT NULL,
    name         TEXT NOT NULL,
    type         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    role         TEXT,
    watchlist_id TEXT,
    full_name    TEXT,
    entity_id    INTEGER REFERENCES entities(id) ON DELETE SET NULL
);
CREATE INDEX mentions_entity ON mentions(entity_id, document_id);
CREATE INDEX mentions_sentence ON mentions(sentence_id);
CREATE INDEX mentions_document ON mentions(document_id, start);

-- Every surface form an entity absorbed, with how often and why it was merged.
CREATE TABLE entity_aliases (
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    alias     TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    PRIMARY KEY (entity_id, alias)
);

-- Same-sentence co-occurrence; a < b. link_sentences keeps each supporting sentence.
CREATE TABLE links (
    a         INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    b         INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    sentences INTEGER NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX links_b ON links(b, a);

CREATE TABLE link_sentences (
    a           INTEGER NOT NULL,
    b           INTEGER NOT NULL,
    sentence_id INTEGER NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
    PRIMARY KEY (a, b, sentence_id)
) WITHOUT ROWID;

CREATE TABLE watchlist (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    aliases     TEXT NOT NULL DEFAULT '[]',
    birth_dates TEXT NOT NULL DEFAULT '[]',
    countries   TEXT NOT NULL DEFAULT '[]',
    source      TEXT
);

-- How many documents of a source contain a normalised line: repeated lines are boilerplate.
CREATE TABLE line_counts (
    source    TEXT NOT NULL,
    key       TEXT NOT NULL,
    documents INTEGER NOT NULL,
    PRIMARY KEY (source, key)
) WITHOUT ROWID;
