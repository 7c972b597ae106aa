-- Data migration: no schema change (the unique index is rebuilt as it was).
-- Names compare by their folded form (app/textin Fold): the comparison key of
-- the PRECIS Nickname profile (RFC 8266) of the name without invisible
-- characters, that is non-ASCII spaces mapped to one space, runs of spaces
-- collapsed, trimmed, lower case and NFKC, repeated until stable. The
-- functions repeat those steps for the rows stored before (two rounds are
-- stable for every name the API accepted; lower() is the database's, a
-- UTF-8 ctype as in the default images). They are dropped at the end.
CREATE FUNCTION "reelview_fold_round"(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT normalize(lower(btrim(regexp_replace(translate(
    regexp_replace(t, '[\u00AD\u034F\u0600-\u0605\u061C\u06DD\u070F\u0890-\u0891\u08E2\u115F-\u1160\u17B4-\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0000-\U000E0FFF]', '', 'g'),
    E'\u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u202F\u205F\u3000',
    '                '), ' {2,}', ' ', 'g'), ' ')), NFKC)
$$;
CREATE FUNCTION "reelview_fold"(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT AS $$
  SELECT "reelview_fold_round"("reelview_fold_round"(t))
$$;
-- Nickname keys: recomputed. Of the live accounts whose keys now collide
-- (ada, ＡＤＡ, ad<ZWJ>a), the oldest keeps the plain key and the others get
-- the key suffixed with their id, as the case-insensitive migration did:
-- their nicknames are unchanged and the look-alike is no longer free. The
-- unique index is rebuilt after, since keys move between rows.
DROP INDEX "user_nickname_key";
UPDATE "users" u SET "nickname_key" = r.key
  FROM (SELECT id, CASE WHEN deleted_at IS NULL AND row_number() OVER (
            PARTITION BY deleted_at IS NULL, "reelview_fold"(nickname) ORDER BY id) > 1
          THEN "reelview_fold"(nickname) || '#' || id ELSE "reelview_fold"(nickname) END AS key
    FROM "users") r
  WHERE r.id = u.id AND u.nickname_key IS DISTINCT FROM r.key;
CREATE UNIQUE INDEX "user_nickname_key" ON "users" ("nickname_key") WHERE (deleted_at IS NULL);
-- Emails are stored folded. Of the live accounts whose emails fold alike,
-- the one already stored folded, else the oldest, gets the folded email; the
-- others keep theirs (a sign-in with any look-alike finds the first). No
-- email can collide: a folded email is held by no other row unless that row
-- is the one chosen.
UPDATE "users" u SET "email" = r.folded
  FROM (SELECT id, deleted_at, "reelview_fold"(email) AS folded, row_number() OVER (
            PARTITION BY deleted_at IS NULL, "reelview_fold"(email)
            ORDER BY email = "reelview_fold"(email) DESC, id) AS rn
    FROM "users") r
  WHERE r.id = u.id AND u.email <> r.folded AND r.folded = lower(r.folded)
    AND (r.rn = 1 OR r.deleted_at IS NOT NULL);
DROP FUNCTION "reelview_fold"(text);
DROP FUNCTION "reelview_fold_round"(text);
