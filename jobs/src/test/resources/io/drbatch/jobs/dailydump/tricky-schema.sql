-- A source database whose names and object kinds are the hard cases for row counting and restore:
-- several schemas, quoted / mixed-case / unicode / embedded-quote names, a partitioned table, an unlogged
-- table, a table with no rows, a materialized view, a sequence and a large object.
CREATE SCHEMA "Sales";
CREATE SCHEMA analytics;

CREATE TABLE public.plain_table (id int PRIMARY KEY, label text);
CREATE TABLE "Sales"."Orders" (id int PRIMARY KEY, note text);
CREATE TABLE "Sales"."order items" (order_id int REFERENCES "Sales"."Orders"(id), line int);
CREATE TABLE analytics."Ünïcødé_表" (id int);
CREATE TABLE analytics."quote""d" (id int);
CREATE TABLE public.events (id int, at date NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE public.events_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE public.events_default PARTITION OF public.events DEFAULT;
CREATE UNLOGGED TABLE public.scratch (id int);
CREATE TABLE public.empty_table (id int);
CREATE SEQUENCE public.invoice_seq START 1000;
CREATE TABLE public.busy (id bigserial PRIMARY KEY, payload text NOT NULL);

INSERT INTO public.plain_table SELECT g, 'label ' || g FROM generate_series(1, 5) g;
INSERT INTO "Sales"."Orders" SELECT g, 'note ' || g FROM generate_series(1, 3) g;
INSERT INTO "Sales"."order items" VALUES (1, 1), (1, 2), (2, 1), (3, 1);
INSERT INTO analytics."Ünïcødé_表" VALUES (1), (2);
INSERT INTO analytics."quote""d" VALUES (1);
INSERT INTO public.events SELECT g, date '2026-01-01' + g FROM generate_series(1, 100) g;
INSERT INTO public.events SELECT g, date '2025-06-01' FROM generate_series(101, 110) g;
INSERT INTO public.scratch SELECT generate_series(1, 7);
INSERT INTO public.busy (payload) SELECT md5(g::text) || repeat('x', 200) FROM generate_series(1, 200000) g;
SELECT nextval('public.invoice_seq');
SELECT lo_from_bytea(0, convert_to('a large object kept by the backup', 'UTF8'));

CREATE MATERIALIZED VIEW public.order_totals AS SELECT count(*) AS orders FROM "Sales"."Orders";
