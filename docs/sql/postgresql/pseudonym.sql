-- veil's pseudonym of a plain identifier (not an e-mail): base64url without padding of
-- SHA-256(trimmed value ‖ salt), trimmed as Java's String.trim (code points U+0000 to U+0020
-- at both ends; PostgreSQL text cannot hold U+0000).
-- The salt is an argument: take it from the warehouse's secret store, never a literal in
-- shared code.
CREATE OR REPLACE FUNCTION veil_hash(v text, salt text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT translate(rtrim(encode(sha256(
        convert_to(regexp_replace(v, '^[\x01-\x20]+|[\x01-\x20]+$', '', 'g'), 'UTF8')
        || convert_to(salt, 'UTF8')), 'base64'), '='), '+/', '-_')
$$;
-- The three formats:
--   URL_SAFE_TOKEN       't~' || veil_hash(v, salt)
--   URL_SAFE_HASH_ONLY   veil_hash(v, salt)
--   JSON                 '{"hash":"' || veil_hash(v, salt) || '"}'
