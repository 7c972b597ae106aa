-- Drop index "user_nickname" from table: "users"
DROP INDEX "user_nickname";
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "nickname_key" character varying NOT NULL DEFAULT '';
-- Backfill: nickname_key is lower(nickname). Of live accounts whose nicknames
-- differ only in case, the oldest keeps the plain key and the others get a
-- key suffixed with their id, so the unique index can be built; their
-- nicknames are unchanged. One pass with a window function (a correlated
-- lookup per row would be quadratic on a large users table).
UPDATE "users" u SET "nickname_key" = CASE WHEN r.rn > 1
    THEN lower(u.nickname) || '#' || u.id ELSE lower(u.nickname) END
  FROM (SELECT id, CASE WHEN deleted_at IS NULL
      THEN row_number() OVER (PARTITION BY deleted_at IS NULL, lower(nickname) ORDER BY id)
      ELSE 1 END AS rn
    FROM "users") r
  WHERE r.id = u.id;
-- Create index "user_nickname_key" to table: "users"
CREATE UNIQUE INDEX "user_nickname_key" ON "users" ("nickname_key") WHERE (deleted_at IS NULL);
