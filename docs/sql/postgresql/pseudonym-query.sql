-- The pseudonyms of a table ids(id text) in veil's three formats; psql variable `salt`
-- (e.g. `\set salt `cat /run/secrets/veil-salt`` in a session, never in a shared file).
SELECT id,
       't~' || veil_hash(id, :'salt')             AS url_safe_token,
       veil_hash(id, :'salt')                     AS url_safe_hash_only,
       '{"hash":"' || veil_hash(id, :'salt') || '"}' AS json
FROM ids
ORDER BY id;
