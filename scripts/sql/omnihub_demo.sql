-- Demo source database for drbatch: a small multi-tenant SaaS ("omnihub") with teams, profiles, workflows,
-- their runs, an append-only audit log partitioned by month, and a billing schema. Deterministic data
-- (setseed), about 120k rows, seeded by scripts/local-env.sh when the database is empty.
SELECT setseed(0.42);

CREATE TABLE teams (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug        text NOT NULL UNIQUE,
  name        text NOT NULL,
  plan        text NOT NULL CHECK (plan IN ('free', 'team', 'enterprise')),
  created_at  timestamptz NOT NULL
);

CREATE TABLE profiles (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id     bigint NOT NULL REFERENCES teams(id),
  email       text NOT NULL UNIQUE,
  full_name   text NOT NULL,
  role        text NOT NULL,
  settings    jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL,
  last_login  timestamptz
);

CREATE TABLE workflows (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id     bigint NOT NULL REFERENCES teams(id),
  owner_id    bigint NOT NULL REFERENCES profiles(id),
  name        text NOT NULL,
  definition  jsonb NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL
);

CREATE TABLE workflow_runs (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow_id  bigint NOT NULL REFERENCES workflows(id),
  status       text NOT NULL,
  started_at   timestamptz NOT NULL,
  finished_at  timestamptz,
  output       text
);

CREATE TABLE audit_logs (
  id          bigint GENERATED ALWAYS AS IDENTITY,
  team_id     bigint NOT NULL,
  actor_id    bigint,
  action      text NOT NULL,
  details     jsonb NOT NULL,
  created_at  timestamptz NOT NULL,
  PRIMARY KEY (id, created_at)
) PARTITION BY RANGE (created_at);

CREATE TABLE audit_logs_2026_09 PARTITION OF audit_logs FOR VALUES FROM ('2026-09-01') TO ('2026-10-01');
CREATE TABLE audit_logs_2026_10 PARTITION OF audit_logs FOR VALUES FROM ('2026-10-01') TO ('2026-11-01');
CREATE TABLE audit_logs_2026_11 PARTITION OF audit_logs FOR VALUES FROM ('2026-11-01') TO ('2026-12-01');
CREATE TABLE audit_logs_default PARTITION OF audit_logs DEFAULT;

CREATE TABLE api_keys (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  profile_id  bigint NOT NULL REFERENCES profiles(id),
  prefix      text NOT NULL,
  key_hash    bytea NOT NULL,
  revoked     boolean NOT NULL DEFAULT false
);

CREATE SCHEMA billing;

CREATE TABLE billing.invoices (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id     bigint NOT NULL REFERENCES teams(id),
  period      date NOT NULL,
  amount_usd  numeric(12, 2) NOT NULL,
  paid        boolean NOT NULL
);

CREATE TABLE billing."LineItems" (
  invoice_id  bigint NOT NULL REFERENCES billing.invoices(id),
  line        int NOT NULL,
  description text NOT NULL,
  amount_usd  numeric(12, 2) NOT NULL,
  PRIMARY KEY (invoice_id, line)
);

INSERT INTO teams (slug, name, plan, created_at)
SELECT 'team-' || g, 'Team ' || initcap(md5(g::text)::varchar(8)),
       (ARRAY['free', 'team', 'enterprise'])[1 + (g % 3)],
       timestamptz '2024-01-01' + (g || ' hours')::interval
FROM generate_series(1, 200) g;

INSERT INTO profiles (team_id, email, full_name, role, settings, created_at, last_login)
SELECT 1 + (g % 200), 'user' || g || '@example.com', 'User ' || md5(g::text)::varchar(10),
       (ARRAY['owner', 'admin', 'member', 'viewer'])[1 + (g % 4)],
       jsonb_build_object('theme', (ARRAY['dark', 'light'])[1 + (g % 2)], 'tz', 'UTC', 'beta', g % 7 = 0),
       timestamptz '2024-02-01' + (g || ' minutes')::interval,
       CASE WHEN g % 5 = 0 THEN NULL ELSE timestamptz '2026-11-01' + (random() * 20 || ' days')::interval END
FROM generate_series(1, 10000) g;

INSERT INTO workflows (team_id, owner_id, name, definition, enabled, created_at)
SELECT 1 + (g % 200), 1 + (g % 10000), 'workflow ' || g,
       jsonb_build_object('trigger', 'cron', 'steps', jsonb_build_array('fetch', 'transform', 'notify'), 'retries', g % 4),
       g % 9 <> 0, timestamptz '2025-01-01' + (g || ' minutes')::interval
FROM generate_series(1, 3000) g;

INSERT INTO workflow_runs (workflow_id, status, started_at, finished_at, output)
SELECT 1 + (g % 3000), (ARRAY['succeeded', 'succeeded', 'succeeded', 'failed', 'running'])[1 + (g % 5)],
       timestamptz '2026-09-01' + (g * 30 || ' seconds')::interval,
       timestamptz '2026-09-01' + (g * 30 + 20 || ' seconds')::interval,
       repeat(md5(g::text), 1 + g % 4)
FROM generate_series(1, 40000) g;

INSERT INTO audit_logs (team_id, actor_id, action, details, created_at)
SELECT 1 + (g % 200), 1 + (g % 10000),
       (ARRAY['login', 'workflow.update', 'key.create', 'invoice.view', 'member.invite'])[1 + (g % 5)],
       jsonb_build_object('ip', '10.0.' || (g % 250) || '.' || (g % 200), 'ua', 'omnihub-cli/' || (g % 9)),
       timestamptz '2026-09-01' + (g * 97 || ' seconds')::interval
FROM generate_series(1, 60000) g;

INSERT INTO api_keys (profile_id, prefix, key_hash, revoked)
SELECT 1 + (g % 10000), 'omh_' || md5(g::text)::varchar(6), sha256(g::text::bytea), g % 11 = 0
FROM generate_series(1, 2500) g;

INSERT INTO billing.invoices (team_id, period, amount_usd, paid)
SELECT 1 + (g % 200), date '2025-01-01' + ((g / 200) || ' months')::interval, round((random() * 900 + 50)::numeric, 2), g % 13 <> 0
FROM generate_series(0, 4799) g;

INSERT INTO billing."LineItems" (invoice_id, line, description, amount_usd)
SELECT i.id, l, (ARRAY['seats', 'runs', 'storage'])[l], round((i.amount_usd / 3)::numeric, 2)
FROM billing.invoices i CROSS JOIN generate_series(1, 3) l;

ANALYZE;
