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
 * Loading tables' rows in slices over several connections, against the real pg_dump and PostgreSQL: the slices
 * cover every row exactly once, and values that COPY text escapes (newlines, tabs, backslashes, NULLs, bytea,
 * non-ASCII text) arrive unchanged.
 */
class ParallelTableLoaderTests {

	private static final String SOURCE = TestPostgres.newDatabase("slicesrc");

	private static final List<String> TARGETS = new ArrayList<>();

	/** {@code SELECT} of a digest of every row, in a stable order. */
	private static final String DIGEST = "SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) FROM public.events t";

	private static byte[] archive;

	@BeforeAll
	static void dumpAWideTable() throws Exception {
		// about 30 MB of COPY text: several row starts noted 8 MiB apart
		TestPostgres.execute(SOURCE, """
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
		Process dump = new ProcessBuilder("pg_dump", "-Fc", "-Z0", "-h", TestPostgres.HOST, "-p",
				String.valueOf(TestPostgres.PORT), "-U", TestPostgres.USER, "-d", SOURCE).start();
		archive = dump.getInputStream().readAllBytes();
		assertThat(dump.waitFor()).isZero();
	}

	@AfterAll
	static void cleanUp() {
		TARGETS.forEach(TestPostgres::dropDatabase);
		TestPostgres.dropDatabase(SOURCE);
	}

	@Test
	void slicesCoverEveryTableContiguouslyLargestFirst() {
		CustomArchiveSpooler.TocEntry big = new CustomArchiveSpooler.TocEntry(1, "TABLE DATA", "public", "big", 2, true,
				"COPY public.big (id) FROM stdin;\n");
		CustomArchiveSpooler.TocEntry small = new CustomArchiveSpooler.TocEntry(2, "TABLE DATA", "public", "small", 2,
				true, "COPY public.small (id) FROM stdin;\n");
		ParallelTableLoader.Table bigTable = new ParallelTableLoader.Table(big,
				new CustomArchiveSpooler.DataBlock(0, 1006, new long[] { 6, 106, 206, 306, 406, 506, 606, 706, 806, 906 }));
		ParallelTableLoader.Table smallTable = new ParallelTableLoader.Table(small,
				new CustomArchiveSpooler.DataBlock(1006, 1106, new long[] { 1012 }));

		// 1094 bytes of rows over 2 connections: slices of at least 1094 / 8 = 136 bytes
		List<ParallelTableLoader.Slice> slices = ParallelTableLoader.slices(List.of(smallTable, bigTable), 2, 1);

		assertThat(slices).extracting(ParallelTableLoader.Slice::bytes).isSortedAccordingTo((a, b) -> Long.compare(b, a));
		List<ParallelTableLoader.Slice> ofBig = slices.stream()
			.filter(slice -> slice.table() == bigTable)
			.sorted((a, b) -> Long.compare(a.from(), b.from()))
			.toList();
		assertThat(ofBig).hasSizeGreaterThan(3);
		assertThat(ofBig.get(0).from()).isEqualTo(6);
		for (int i = 1; i < ofBig.size(); i++) {
			assertThat(ofBig.get(i).from()).as("slice %d starts where the one before ends", i).isEqualTo(ofBig.get(i - 1).to());
			assertThat(ofBig.get(i - 1).bytes()).isGreaterThanOrEqualTo(136);
		}
		assertThat(ofBig.get(ofBig.size() - 1).to()).isEqualTo(Long.MAX_VALUE);
		assertThat(ofBig.stream().mapToLong(ParallelTableLoader.Slice::bytes).sum()).isEqualTo(1000);
		assertThat(slices).filteredOn(slice -> slice.table() == smallTable).singleElement()
			.satisfies(slice -> assertThat(slice.from()).isEqualTo(1012));

		assertThat(ParallelTableLoader.slices(List.of(smallTable, bigTable), 1, 1)).as("one connection: no cuts")
			.hasSize(2);
	}

	@Test
	void aTableLoadedInSlicesHoldsExactlyTheSourceRows(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		List<ParallelTableLoader.Table> tables = new ArrayList<>();
		CustomArchiveSpooler.Result spooled = spool(file, tables);
		assertThat(ParallelTableLoader.whyNot(spooled.facts())).isNull();
		ParallelTableLoader.Table events = tables.stream()
			.filter(table -> table.entry().tag().equals("events"))
			.findFirst()
			.orElseThrow();
		assertThat(events.block().rowStarts()).as("row starts noted in a 30 MB block").hasSizeGreaterThanOrEqualTo(3);
		try (RandomAccessFile bytes = new RandomAccessFile(file.toFile(), "r")) {
			for (int i = 1; i < events.block().rowStarts().length; i++) {
				bytes.seek(events.block().rowStarts()[i] - 1);
				assertThat(bytes.read()).as("the byte before a noted row start ends a row").isEqualTo('\n');
			}
		}
		String target = schemaOnly(file);

		ParallelTableLoader.Outcome outcome = new ParallelTableLoader(TestPostgres.spec(target, target), file,
				spooled.facts().intSize(), 3, 1).load(tables);

		assertThat(outcome.tables()).isEqualTo(2);
		assertThat(outcome.slices()).isGreaterThanOrEqualTo(events.block().rowStarts().length);
		assertThat(outcome.rows()).isEqualTo(150_003);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM public.events")).isEqualTo(150_000);
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM public.little")).isEqualTo(3);
		assertThat(digest(target)).isEqualTo(digest(SOURCE));
	}

	@Test
	void aRejectedRowFailsTheLoadNamingTheTable(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		List<ParallelTableLoader.Table> tables = new ArrayList<>();
		CustomArchiveSpooler.Result spooled = spool(file, tables);
		String target = schemaOnly(file);
		TestPostgres.execute(target, "ALTER TABLE public.events ADD CONSTRAINT few CHECK (id < 100000)");

		assertThatThrownBy(() -> new ParallelTableLoader(TestPostgres.spec(target, target), file,
				spooled.facts().intSize(), 2, 1).load(tables))
			.isInstanceOf(DrbatchException.class)
			.hasMessageContaining("TABLE DATA public.events")
			.hasMessageContaining("few")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.TOOL_FAILED));
	}

	@Test
	void anArchiveWithCompressedDataIsNotForTheLoader() {
		assertThat(ParallelTableLoader.whyNot(new CustomArchiveSpooler.ArchiveFacts(4, false, "UTF8")))
			.contains("compressed");
		assertThat(ParallelTableLoader.whyNot(new CustomArchiveSpooler.ArchiveFacts(4, true, "LATIN1")))
			.contains("LATIN1");
		assertThat(ParallelTableLoader.whyNot(null)).isNotNull();
	}

	private static CustomArchiveSpooler.Result spool(Path file, List<ParallelTableLoader.Table> tables)
			throws IOException {
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
			return new CustomArchiveSpooler(new ByteArrayInputStream(archive), out, new CustomArchiveSpooler.Listener() {

				@Override
				public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> entries) {
				}

				@Override
				public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry, CustomArchiveSpooler.DataBlock block) {
					if (entry.isTableData()) {
						tables.add(new ParallelTableLoader.Table(entry, block));
					}
				}

			}).copy();
		}
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
