-- One database per service (no service reads another's tables), owned by POSTGRES_USER.
-- The postgres image runs this once, when its data volume is empty; \gexec makes it safe to re-run.
SELECT format('CREATE DATABASE %I', name)
FROM unnest(ARRAY['roster', 'sessions', 'notifications']) AS name
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = name)
\gexec
