package io.drbatch.pg;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.testing.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Loading tables' rows in slices over several connections, against the real pg_dump and
 * PostgreSQL: the slices cover every row exactly once, and values that COPY text escapes
 * (newlines, tabs, backslashes, NULLs, bytea, non-ASCII text) arrive unchanged.
 */
class ParallelTableLoaderIntegrationTests {

	private static final String SOURCE = TestPostgres.newDatabase("slicesrc");

	private static final List<String> TARGETS = new ArrayList<>();

	/** {@code SELECT} of a digest of every row, in a stable order. */
	private static final String DIGEST = "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM public.events t";

	private static byte[] archive;

	@BeforeAll
	static void dumpAWideTable() throws Exception {
		// about 30 MB of COPY text: several row starts noted 8 MiB apart
		TestPostgres.execute(SOURCE,
				"""
						CREATE TABLE public.events (id bigint PRIMARY KEY, note text, payload bytea, amount numeric);
						INSERT INTO public.events
						SELECT g,
						       CASE WHEN g % 7 = 0 THEN NULL
						            ELSE 'line one' || E'\\n' || 'tab' || E'\\t' || 'back\\slash ü€ ' || repeat(md5(g::text), 2) END,
						       CASE WHEN g % 5 = 0 THEN NULL ELSE decode(md5(g::text), 'hex') END,
						       g / 3.0
						FROM generate_series(1, 150000) g;
						CREATE TABLE public.little (id int);
						INSERT INTO public.little VALUES (1), (2), (3);
						""");
		archive = TestPostgres.dumpCustomFormat(SOURCE);
	}

	@AfterAll
	static void cleanUp() {
		TARGETS.forEach(TestPostgres::dropDatabase);
		TestPostgres.dropDatabase(SOURCE);
	}

	@Test
	void theSpoolerReportsEveryTablesRowsAsContiguousRangesOfWholeRows(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		Spooled spooled = spool(file);
		assertThat(ParallelTableLoader.whyNot(spooled.facts)).isNull();

		List<ParallelTableLoader.Slice> events = spooled.slices.stream()
			.filter(slice -> slice.table().tag().equals("events"))
			.toList();
		assertThat(events).as("ranges of about 1 MiB of a 30 MB block").hasSizeGreaterThan(20);
		CustomArchiveSpooler.DataBlock block = spooled.blocks.get("events");
		// the block header: type byte, then the dump id as a sign byte and intSize bytes
		assertThat(events.get(0).from()).isEqualTo(block.start() + 2 + spooled.facts.intSize());
		assertThat(events.get(events.size() - 1).to()).isEqualTo(block.end());
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "r")) {
			for (int i = 1; i < events.size(); i++) {
				assertThat(events.get(i).from()).as("range %d starts where the one before ends", i)
					.isEqualTo(events.get(i - 1).to());
				bytes.seek(events.get(i).from() - 1);
				assertThat(bytes.read()).as("the byte before range %d ends a row", i).isEqualTo('\n');
			}
		}
	}

	@Test
	void aTableLoadedInSlicesHoldsExactlyTheSourceRows(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		Spooled spooled = spool(file);
		String target = schemaOnly(file);
		ParallelTableLoader loader = loader(target, file, spooled, 3);

		loader.start();
		spooled.slices.forEach(loader::add);
		ParallelTableLoader.Outcome outcome = loader.finish();

		assertThat(outcome.tables()).isEqualTo(2);
		assertThat(outcome.slices()).isEqualTo(spooled.slices.size()).isGreaterThan(20);
		assertThat(spooled.loaded).as("the listener heard of every slice")
			.containsExactlyInAnyOrderElementsOf(spooled.slices);
		assertThat(outcome.rows()).isEqualTo(150_003);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM public.events")).isEqualTo(150_000);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM public.little")).isEqualTo(3);
		assertThat(digest(target)).isEqualTo(digest(SOURCE));
	}

	@Test
	void theTableWithTheMostRowsLoadsFirstAndEachTablesSlicesInOrder(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		Spooled spooled = spool(file);
		List<ParallelTableLoader.Slice> little = spooled.slices.stream()
			.filter(slice -> slice.table().tag().equals("little"))
			.toList();
		List<ParallelTableLoader.Slice> events = spooled.slices.stream()
			.filter(slice -> slice.table().tag().equals("events"))
			.toList();
		ParallelTableLoader loader = loader(schemaOnly(file), file, spooled, 1);
		little.forEach(loader::add);
		events.forEach(loader::add);

		loader.finish();

		List<ParallelTableLoader.Slice> expected = new ArrayList<>(events);
		expected.addAll(little);
		assertThat(spooled.loaded).containsExactlyElementsOf(expected);
	}

	@Test
	void aRejectedRowFailsTheLoadNamingTheTable(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		Spooled spooled = spool(file);
		String target = schemaOnly(file);
		TestPostgres.execute(target, "ALTER TABLE public.events ADD CONSTRAINT few CHECK (id < 100000)");
		ParallelTableLoader loader = loader(target, file, spooled, 2);
		spooled.slices.forEach(loader::add);

		assertThatThrownBy(loader::finish).isInstanceOf(DrbatchException.class)
			.hasMessageContaining("TABLE DATA public.events")
			.hasMessageContaining("few")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.TOOL_FAILED));
	}

	@Test
	void aStopRequestEndsTheLoad(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		Spooled spooled = spool(file);
		String target = schemaOnly(file);
		ParallelTableLoader loader = loader(target, file, spooled, 2);
		loader.start();

		assertThat(ChildProcess.destroyAll()).as("the running load counts as stopped").isPositive();
		spooled.slices.forEach(loader::add);

		assertThatThrownBy(loader::finish).isInstanceOf(DrbatchException.class)
			.hasMessageContaining("stopped on request");
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM public.events")).isZero();
	}

	@Test
	void anArchiveWithCompressedDataIsNotForTheLoader() {
		assertThat(ParallelTableLoader.whyNot(new CustomArchiveSpooler.ArchiveFacts(4, false, "UTF8")))
			.contains("compressed");
		assertThat(ParallelTableLoader.whyNot(new CustomArchiveSpooler.ArchiveFacts(4, true, "LATIN1")))
			.contains("LATIN1");
		assertThat(ParallelTableLoader.whyNot(null)).isNotNull();
	}

	/** What spooling the archive reported. */
	private static final class Spooled {

		CustomArchiveSpooler.ArchiveFacts facts;

		final List<ParallelTableLoader.Slice> slices = new ArrayList<>();

		final List<ParallelTableLoader.Slice> loaded = java.util.Collections.synchronizedList(new ArrayList<>());

		final java.util.Map<String, CustomArchiveSpooler.DataBlock> blocks = new java.util.HashMap<>();

	}

	/** Spools the archive, reporting rows in ranges of about 1 MiB. */
	private static Spooled spool(Path file) throws IOException {
		Spooled spooled = new Spooled();
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
			CustomArchiveSpooler.Result result = new CustomArchiveSpooler(new ByteArrayInputStream(archive), out,
					new CustomArchiveSpooler.Listener() {

						@Override
						public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> entries,
								CustomArchiveSpooler.ArchiveFacts facts) {
							spooled.facts = facts;
						}

						@Override
						public void rowsWritten(CustomArchiveSpooler.TocEntry table, long from, long to) {
							spooled.slices.add(new ParallelTableLoader.Slice(table, from, to));
						}

						@Override
						public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry,
								CustomArchiveSpooler.DataBlock block) {
							spooled.blocks.put(entry.tag(), block);
						}

					}, 1024 * 1024)
				.copy();
			assertThat(result.indexed()).isTrue();
		}
		return spooled;
	}

	private static ParallelTableLoader loader(String target, Path file, Spooled spooled, int connections) {
		return new ParallelTableLoader(TestPostgres.spec(target, target), file, spooled.facts.intSize(), connections,
				slice -> spooled.loaded.add(slice));
	}

	/** A new database with the archive's schema and no rows. */
	private static String schemaOnly(Path file) throws Exception {
		String target = TestPostgres.newDatabase("sliced");
		TARGETS.add(target);
		Process restore = new ProcessBuilder("pg_restore", "--section=pre-data", "--no-owner", "-h", TestPostgres.HOST,
				"-p", String.valueOf(TestPostgres.PORT), "-U", TestPostgres.USER, "-d", target, file.toString())
			.redirectErrorStream(true)
			.start();
		String output = new String(restore.getInputStream().readAllBytes());
		assertThat(restore.waitFor()).as(output).isZero();
		return target;
	}

	private static String digest(String database) throws SQLException {
		try (Connection connection = TestPostgres.connect(database);
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery(DIGEST)) {
			rows.next();
			return rows.getString(1);
		}
	}

}
