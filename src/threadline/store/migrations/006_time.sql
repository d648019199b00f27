-- Issue 13: when each document was written, when each event happened, related stories.

-- documents.date is an ISO 8601 prefix ("2014-01-06", "2014-01", "2014"): as precise as written.
-- date_precision: day | month | year. date_source: where the date was read (email-header,
-- printed-header, html-meta, record, dateline, date-line, date-label, file-name, pdf-metadata,
-- office-metadata; "+file-name" or "+story" when a year-less dateline took its year from there);
-- NULL for documents stored before this version until `threadline resolve` reads them again.
ALTER TABLE documents ADD COLUMN date_precision TEXT;
ALTER TABLE documents ADD COLUMN date_source TEXT;
-- Where in text the date is printed (a header's Sent value, a dateline); NULL for metadata.
ALTER TABLE documents ADD COLUMN date_start INTEGER;
ALTER TABLE documents ADD COLUMN date_end INTEGER;
-- A date printed without its year ("--03-11"), waiting for evidence of the year.
ALTER TABLE documents ADD COLUMN date_partial TEXT;
-- The language backends that read the document: en | ru | mixed (NULL before this version).
ALTER TABLE documents ADD COLUMN language TEXT;
UPDATE documents SET date_precision = CASE
    WHEN date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]*' THEN 'day'
    WHEN date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]' THEN 'month'
    WHEN date GLOB '[0-9][0-9][0-9][0-9]' THEN 'year'
END WHERE date IS NOT NULL;
CREATE INDEX documents_date ON documents(date) WHERE date IS NOT NULL;

-- A date written in a sentence ("on July 16", "в 2019 году"). spec: what the words say alone
-- (an ISO prefix, "--07-16" without a year, "rel:en:yesterday"); date and precision: anchored to
-- the document's date with the sentence's tense (past | future), NULL when nothing anchors it.
-- The entities it concerns are the mentions in the same sentence.
CREATE TABLE event_dates (
    id          INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    sentence_id INTEGER NOT NULL REFERENCES sentences(id) ON DELETE CASCADE,
    start       INTEGER NOT NULL,
    end         INTEGER NOT NULL,
    surface     TEXT NOT NULL,
    spec        TEXT NOT NULL,
    tense       TEXT,
    date        TEXT,
    precision   TEXT
);
CREATE INDEX event_dates_sentence ON event_dates(sentence_id);
CREATE INDEX event_dates_document ON event_dates(document_id);
CREATE INDEX event_dates_date ON event_dates(date) WHERE date IS NOT NULL;

-- Related stories (a suggestion, never counted): a multilingual sentence encoder's vector of each
-- document's opening, and the pairs of documents in different duplicate clusters whose vectors
-- are close. Filled by `threadline related`.
CREATE TABLE document_vectors (
    document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
    model       TEXT NOT NULL,
    vector      BLOB NOT NULL
);
CREATE TABLE related_pairs (
    a     INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    b     INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    score REAL NOT NULL,
    PRIMARY KEY (a, b)
) WITHOUT ROWID;
CREATE INDEX related_pairs_b ON related_pairs(b, a);
