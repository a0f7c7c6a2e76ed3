-- veil's pseudonym of a plain identifier (not an e-mail): base64url without padding of
-- SHA-256(trimmed value ‖ salt), trimmed as Java's String.trim (code points U+0000 to U+0020
-- at both ends). sha256() returns hex: unhex() makes it the 32 bytes again.
-- The salt is an argument: take it from the warehouse's secret store, never a literal in
-- shared code.
CREATE OR REPLACE MACRO veil_hash(v, salt) AS
    replace(replace(rtrim(to_base64(unhex(sha256(
        regexp_replace(v, '^[\x00-\x20]+|[\x00-\x20]+$', '', 'g') || salt))), '='), '+', '-'), '/', '_');
-- The three formats:
--   URL_SAFE_TOKEN       't~' || veil_hash(v, salt)
--   URL_SAFE_HASH_ONLY   veil_hash(v, salt)
--   JSON                 '{"hash":"' || veil_hash(v, salt) || '"}'
