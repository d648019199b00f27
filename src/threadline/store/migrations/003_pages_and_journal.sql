-- Issue 4: pages of PDFs and scans, attachments as child documents, and a crash-safe ingest.

-- JSON list of each page's start offset in text; NULL for unpaged documents.
ALTER TABLE documents ADD COLUMN pages TEXT;
-- For an email attachment: the path of the message it came with.
ALTER TABLE documents ADD COLUMN parent_path TEXT;
CREATE INDEX documents_parent ON documents(parent_path);

-- 1-based page the sentence starts on; NULL for unpaged documents.
ALTER TABLE sentences ADD COLUMN page INTEGER;

-- Small facts about the database's state (e.g. resolution pending after an interrupted run).
CREATE TABLE state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The ingest journal: which chunk each document of a run in progress was counted in, and the
-- boilerplate lines each chunk was cleaned with, so a rerun after a crash cleans them the same way.
-- Emptied when a run completes.
CREATE TABLE journal_documents (
    sha256 TEXT PRIMARY KEY,
    chunk  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE journal_boilerplate (
    chunk  INTEGER NOT NULL,
    source TEXT NOT NULL,
    key    TEXT NOT NULL,
    PRIMARY KEY (chunk, source, key)
) WITHOUT ROWID;
