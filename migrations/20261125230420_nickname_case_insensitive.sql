-- Drop index "user_nickname" from table: "users"
DROP INDEX "user_nickname";
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "nickname_key" character varying NOT NULL DEFAULT '';
-- Backfill: nickname_key is lower(nickname). Of live accounts whose nicknames
-- differ only in case, the oldest keeps the plain key and the others get a
-- key suffixed with their id, so the unique index can be built; their
-- nicknames are unchanged.
UPDATE "users" u SET "nickname_key" = CASE
  WHEN u.deleted_at IS NULL AND EXISTS (SELECT 1 FROM "users" o WHERE o.deleted_at IS NULL
    AND lower(o.nickname) = lower(u.nickname) AND o.id < u.id)
  THEN lower(u.nickname) || '#' || u.id ELSE lower(u.nickname) END;
-- Create index "user_nickname_key" to table: "users"
CREATE UNIQUE INDEX "user_nickname_key" ON "users" ("nickname_key") WHERE (deleted_at IS NULL);
