-- Create index "follow_followee_id_status_follower_id" to table: "follows"
CREATE INDEX "follow_followee_id_status_follower_id" ON "follows" ("followee_id", "status", "follower_id");
