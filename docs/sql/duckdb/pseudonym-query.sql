-- The pseudonyms of a table ids(id VARCHAR) in veil's three formats; the salt in a variable
-- set from the secret store (SET VARIABLE salt = ...), never in a shared file.
SELECT id,
       't~' || veil_hash(id, getvariable('salt'))              AS url_safe_token,
       veil_hash(id, getvariable('salt'))                      AS url_safe_hash_only,
       '{"hash":"' || veil_hash(id, getvariable('salt')) || '"}' AS json
FROM ids
ORDER BY id;
