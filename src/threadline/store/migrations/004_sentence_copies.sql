-- Issue 6: a sentence said again (quoted reply, forward, copy) counts once.
-- key: hash of the sentence's words (link/copies.py), 0 when too short to tell, NULL until computed.
ALTER TABLE sentences ADD COLUMN key INTEGER;
-- 1 when the sentence lies in quoted material (a "> " line, or below a reply/forward header).
ALTER TABLE sentences ADD COLUMN quoted INTEGER NOT NULL DEFAULT 0;
-- The original this sentence repeats (NULL for originals and unique sentences).
ALTER TABLE sentences ADD COLUMN copy_of INTEGER;
CREATE INDEX sentences_key ON sentences(key) WHERE key != 0;
CREATE INDEX sentences_copy_of ON sentences(copy_of) WHERE copy_of IS NOT NULL;
