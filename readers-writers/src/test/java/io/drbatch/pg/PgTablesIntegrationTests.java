package io.drbatch.pg;

import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import io.drbatch.testing.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which tables a backup counts and how, against the real PostgreSQL: each table's own
 * rows, so that an inheritance parent is not counted with its children's rows (pg_dump
 * writes each table's own rows, and a drill compares table by table), as partitions are
 * counted and their partitioned parent is not listed.
 */
class PgTablesIntegrationTests {

	private static final String DATABASE = TestPostgres.newDatabase("pgtables");

	@AfterAll
	static void drop() {
		TestPostgres.dropDatabase(DATABASE);
	}

	@Test
	void eachTableIsCountedWithItsOwnRowsOnly() throws Exception {
		TestPostgres.execute(DATABASE, """
				CREATE SCHEMA archive;
				CREATE TABLE archive.parent_log (id int, note text);
				CREATE TABLE archive.child_log (extra int) INHERITS (archive.parent_log);
				INSERT INTO archive.parent_log SELECT g, 'p' FROM generate_series(1, 100) g;
				INSERT INTO archive.child_log SELECT g, 'c', g FROM generate_series(1, 40) g;
				CREATE TABLE public.measurements (at date, v int) PARTITION BY RANGE (at);
				CREATE TABLE public.measurements_2026 PARTITION OF public.measurements
				  FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
				INSERT INTO public.measurements SELECT date '2026-03-01', g FROM generate_series(1, 7) g;
				""");
		Map<String, Long> counts = new LinkedHashMap<>();
		try (Connection connection = TestPostgres.connect(DATABASE)) {
			for (PgTables.Table table : PgTables.withData(connection)) {
				counts.put(table.qualifiedName(), PgTables.count(connection, table.quoted()));
			}
		}

		assertThat(counts).containsExactlyInAnyOrderEntriesOf(
				Map.of("archive.child_log", 40L, "archive.parent_log", 100L, "public.measurements_2026", 7L));
		try (Connection connection = TestPostgres.connect(DATABASE)) {
			assertThat(PgTables.count(connection, PgTables.quote("archive", "parent_log"), false))
				.as("as manifests of format version 1 recorded it, for drills of those backups")
				.isEqualTo(140);
		}
	}

}
