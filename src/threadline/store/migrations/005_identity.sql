-- Issue 11: one person, one entity; stable ids; people's judgements.

-- The email address a header display name came with: the same address is the same person.
ALTER TABLE mentions ADD COLUMN address TEXT;
-- The resolution node the mention was placed on (see entity_nodes); written with entity_id.
ALTER TABLE mentions ADD COLUMN node TEXT;

-- Mentions of an alias merged on a rule that rests on likelihood (a lone surname across documents,
-- a nickname): shown as "probable".
ALTER TABLE entity_aliases ADD COLUMN probable INTEGER NOT NULL DEFAULT 0;

-- The resolution nodes each entity is made of (content-derived keys such as "person:karim massimov",
-- "email:jd@example.org", "name:veldt trading"), with how many mentions each brought.
CREATE TABLE entity_nodes (
    entity_id INTEGER NOT NULL REFERENCES entities(id) ON DELETE CASCADE,
    node      TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    PRIMARY KEY (entity_id, node)
) WITHOUT ROWID;
CREATE INDEX entity_nodes_node ON entity_nodes(node);

-- Stable public ids. Each node keeps the id of the entity it last belonged to, across every
-- resolution, so an entity keeps its id through new spellings, merges and re-ingests.
CREATE TABLE node_ids (
    node TEXT PRIMARY KEY,
    key  TEXT NOT NULL
) WITHOUT ROWID;
-- An id no entity carries any more, and the id of the entity that took most of its nodes.
CREATE TABLE entity_redirects (
    old_key TEXT PRIMARY KEY,
    new_key TEXT NOT NULL
) WITHOUT ROWID;

-- People's judgements, in the nomenklatura resolver's terms: (target, source) are node keys (or
-- "type:<type>" as source for a judgement about the target's type); judgement is positive (one
-- entity) or negative (never one entity). Re-applied by every resolution.
CREATE TABLE judgements (
    target     TEXT NOT NULL,
    source     TEXT NOT NULL,
    judgement  TEXT NOT NULL CHECK (judgement IN ('positive', 'negative')),
    score      REAL,
    user       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    note       TEXT,
    PRIMARY KEY (target, source)
) WITHOUT ROWID;

-- Merges resolution left to a person: the entity of `node` probably belongs with the entity of
-- `candidate`. Rewritten by every resolution.
CREATE TABLE suggestions (
    node      TEXT NOT NULL,
    candidate TEXT NOT NULL,
    reason    TEXT NOT NULL,
    mentions  INTEGER NOT NULL,
    PRIMARY KEY (node, candidate)
) WITHOUT ROWID;
