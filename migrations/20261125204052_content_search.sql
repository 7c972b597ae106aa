-- Create index "content_original_title_trgm" to table: "contents"
CREATE INDEX "content_original_title_trgm" ON "contents" USING gin ("original_title" gin_trgm_ops);
-- Create index "content_title_trgm" to table: "contents"
CREATE INDEX "content_title_trgm" ON "contents" USING gin ("title" gin_trgm_ops);
