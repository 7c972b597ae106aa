-- Drop index "content_avg_rating" from table: "contents"
DROP INDEX "content_avg_rating";
-- Drop index "content_created_at" from table: "contents"
DROP INDEX "content_created_at";
-- Drop index "content_popularity" from table: "contents"
DROP INDEX "content_popularity";
-- Drop index "content_review_count" from table: "contents"
DROP INDEX "content_review_count";
-- Drop index "content_title" from table: "contents"
DROP INDEX "content_title";
-- Create index "content_avg_rating_id" to table: "contents"
CREATE INDEX "content_avg_rating_id" ON "contents" ("avg_rating", "id");
-- Create index "content_created_at_id" to table: "contents"
CREATE INDEX "content_created_at_id" ON "contents" ("created_at", "id");
-- Create index "content_popularity_id" to table: "contents"
CREATE INDEX "content_popularity_id" ON "contents" ("popularity", "id");
-- Create index "content_review_count_id" to table: "contents"
CREATE INDEX "content_review_count_id" ON "contents" ("review_count", "id");
-- Create index "content_title_id" to table: "contents"
CREATE INDEX "content_title_id" ON "contents" ("title", "id");
