-- Trigram matching for case-insensitive substring search on titles
-- (GET /contents?q=). Shipped with PostgreSQL's contrib modules.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
