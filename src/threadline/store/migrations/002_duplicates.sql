-- Honest counts (issue 6): near-duplicate stories and the outlets behind documents.
-- Rebuilt wholesale by threadline.store.duplicates (rebuild_duplicates, rebuild_sources).

-- Documents that are copies or rewrites of one story. A document is in at most one cluster;
-- documents in none are stories of their own.
CREATE TABLE duplicate_clusters (
    id   INTEGER PRIMARY KEY,
    size INTEGER NOT NULL
);

CREATE TABLE duplicate_members (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    cluster_id  INTEGER NOT NULL REFERENCES duplicate_clusters(id) ON DELETE CASCADE
);
CREATE INDEX duplicate_members_cluster ON duplicate_members(cluster_id);

-- Confirmed pairs (a < b), the evidence for the clusters. jaccard and containment are measured on
-- word 3-shingles minus boilerplate; shared counts the distinctive shingles in common.
CREATE TABLE duplicate_pairs (
    a           INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    b           INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    jaccard     REAL NOT NULL,
    containment REAL NOT NULL,
    shared      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX duplicate_pairs_b ON duplicate_pairs(b, a);

-- Outlets, authors and senders, and the sources documents cite. kind: outlet | person_or_outlet
-- (a cited capitalised name without outlet words) | sender (email) | author (byline).
CREATE TABLE sources (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    kind TEXT NOT NULL DEFAULT 'outlet'
);

-- Each document's outlet or author; found_by says where it was read (email-from, source,
-- dateline, masthead, byline, author-meta).
CREATE TABLE document_sources (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    found_by    TEXT
);
CREATE INDEX document_sources_source ON document_sources(source_id);

-- A source named in a document ("citing TASS"); start/end locate the name in documents.text.
CREATE TABLE citations (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'outlet',
    PRIMARY KEY (document_id, start)
) WITHOUT ROWID;
CREATE INDEX citations_source ON citations(source_id, document_id);
