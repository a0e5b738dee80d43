package io.drbatch.pg;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * The streaming restore against the real pg_dump, pg_restore and PostgreSQL: an archive
 * that pg_dump wrote to a pipe (so without data positions) is spooled with its positions
 * set, and restored while it streams; the restored database holds what the source held.
 */
class StreamingPgRestoreIntegrationTests {

	private static final String SOURCE = TestPostgres.newDatabase("streamsrc");

	private static final List<String> RESTORED = new ArrayList<>();

	private static byte[] pipedArchive;

	@BeforeAll
	static void dumpThroughAPipe() throws Exception {
		TestPostgres.execute(SOURCE, """
				CREATE SCHEMA "Billing";
				CREATE TABLE "Billing"."Invoices" (id int PRIMARY KEY, total numeric NOT NULL);
				INSERT INTO "Billing"."Invoices" SELECT g, g * 1.5 FROM generate_series(1, 40000) g;
				CREATE TABLE public.lines (invoice int REFERENCES "Billing"."Invoices"(id), note text);
				INSERT INTO public.lines SELECT g % 40000 + 1, repeat('n', g % 50) FROM generate_series(1, 60000) g;
				CREATE INDEX lines_invoice ON public.lines (invoice);
				CREATE TABLE public.nothing (id int);
				CREATE SEQUENCE public.numbers START 500;
				SELECT nextval('public.numbers'), nextval('public.numbers');
				CREATE MATERIALIZED VIEW public.totals AS SELECT count(*) AS invoices FROM "Billing"."Invoices";
				SELECT lo_from_bytea(0, convert_to('large object restored while streaming', 'UTF8'));
				""");
		pipedArchive = TestPostgres.dumpCustomFormat(SOURCE);
	}

	@AfterAll
	static void cleanUp() {
		RESTORED.forEach(TestPostgres::dropDatabase);
		TestPostgres.dropDatabase(SOURCE);
	}

	private static String newTarget() {
		String name = TestPostgres.newDatabase("streamed");
		RESTORED.add(name);
		return name;
	}

	@Test
	void spoolingSetsEveryDataBlockPositionAndChangesNothingElse(@TempDir Path dir) throws Exception {
		Path file = dir.resolve("archive.pgdump");
		List<CustomArchiveSpooler.TocEntry> toc = new ArrayList<>();
		List<CustomArchiveSpooler.TocEntry> blocks = new ArrayList<>();
		CustomArchiveSpooler.Result result;
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
			result = new CustomArchiveSpooler(new ByteArrayInputStream(pipedArchive), out,
					new CustomArchiveSpooler.Listener() {

						@Override
						public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> entries,
								CustomArchiveSpooler.ArchiveFacts facts) {
							assertThat(blocks).isEmpty();
							toc.addAll(entries);
						}

						@Override
						public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry,
								CustomArchiveSpooler.DataBlock block) {
							blocks.add(entry);
						}

					})
				.copy();
		}

		assertThat(result.indexed()).isTrue();
		assertThat(result.bytes()).isEqualTo(pipedArchive.length);
		assertThat(blocks).extracting(CustomArchiveSpooler.TocEntry::describe)
			.contains("TABLE DATA Billing.Invoices", "TABLE DATA public.lines", "TABLE DATA public.nothing");
		assertThat(blocks).anyMatch(entry -> entry.desc().equals("BLOBS"));
		assertThat(blocks)
			.containsExactlyInAnyOrderElementsOf(toc.stream().filter(CustomArchiveSpooler.TocEntry::hasData).toList());
		byte[] spooled = Files.readAllBytes(file);
		assertThat(spooled).hasSameSizeAs(pipedArchive);
		int differing = 0;
		for (int i = 0; i < spooled.length; i++) {
			differing += spooled[i] != pipedArchive[i] ? 1 : 0;
		}
		assertThat(differing).as("only the position fields of the data entries change")
			.isPositive()
			.isLessThanOrEqualTo(blocks.size() * 9);
		Process list = new ProcessBuilder("pg_restore", "-l", file.toString()).redirectErrorStream(true).start();
		String listing = new String(list.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
		assertThat(listing).as("pg_restore reads the spooled archive").contains("TABLE DATA Billing Invoices");
	}

	@org.junit.jupiter.params.ParameterizedTest(name = "load during download: {0}")
	@org.junit.jupiter.params.provider.ValueSource(booleans = { false, true })
	void restoresWhileStreamingAndTheDatabaseHoldsWhatTheSourceHeld(boolean loadDuringDownload, @TempDir Path dir) {
		String target = newTarget();
		AtomicBoolean verified = new AtomicBoolean();
		StreamingPgRestore restore = new StreamingPgRestore("pg_restore", TestPostgres.spec(target, target), 2,
				loadDuringDownload, dir.resolve("spool.pgdump"));

		StreamingPgRestore.Outcome outcome = restore.restore(slowly(pipedArchive), () -> verified.set(true));
		restore.deleteListFiles();

		assertThat(verified).isTrue();
		assertThat(outcome.overlapped()).isTrue();
		assertThat(outcome.preDataMillis()).as("the schema was restored").isPositive();
		assertThat(outcome.blocks()).isEqualTo(4);
		if (!loadDuringDownload) {
			assertThat(outcome.slicesLoadedWhileStreaming()).isZero();
		}
		assertThat(outcome.slices()).as("the three tables' rows loaded by COPY, not pg_restore").isEqualTo(3);
		assertThat(outcome.builtWhileLoading()).as("the invoices' key and the lines' index, not the foreign key")
			.isEqualTo(2);
		for (String sql : List.of("SELECT count(*) FROM \"Billing\".\"Invoices\"", "SELECT count(*) FROM public.lines",
				"SELECT count(*) FROM public.nothing", "SELECT last_value FROM public.numbers",
				"SELECT invoices FROM public.totals", "SELECT count(*) FROM pg_largeobject_metadata",
				"SELECT count(*) FROM pg_indexes WHERE indexname = 'lines_invoice'",
				"SELECT count(*) FROM pg_constraint WHERE contype = 'f'")) {
			assertThat(TestPostgres.queryLong(target, sql)).as(sql).isEqualTo(TestPostgres.queryLong(SOURCE, sql));
		}
		assertThat(dir.resolve("spool.pgdump.list0")).doesNotExist();
	}

	@Test
	void aFailedVerificationStopsTheRestoreBeforeIndexesAndIsThrown(@TempDir Path dir) {
		String target = newTarget();
		StreamingPgRestore restore = new StreamingPgRestore("pg_restore", TestPostgres.spec(target, target), 2, true,
				dir.resolve("spool.pgdump"));

		assertThatThrownBy(() -> restore.restore(new ByteArrayInputStream(pipedArchive), () -> {
			throw new DrbatchException(FailureKind.INTEGRITY, "object x does not match its manifest");
		})).isInstanceOf(DrbatchException.class).hasMessageContaining("does not match its manifest");
		assertThat(TestPostgres.queryLong(target, "SELECT count(*) FROM pg_indexes WHERE indexname = 'lines_invoice'"))
			.isZero();
	}

	@Test
	void aPgRestoreFailureNamesWhatFailed(@TempDir Path dir) {
		String target = newTarget();
		TestPostgres.execute(target, "CREATE SCHEMA \"Billing\"");
		StreamingPgRestore restore = new StreamingPgRestore("pg_restore", TestPostgres.spec(target, target), 2, true,
				dir.resolve("spool.pgdump"));

		assertThatThrownBy(() -> restore.restore(new ByteArrayInputStream(pipedArchive), () -> {
		})).isInstanceOf(DrbatchException.class)
			.hasMessageContaining("pg_restore restore of the schema (pre-data) failed")
			.hasMessageContaining("already exists")
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.TOOL_FAILED));
	}

	@Test
	void anArchiveOfAnUnknownVersionIsCopiedAsItIsAndNotIndexed(@TempDir Path dir) throws IOException {
		byte[] unknown = pipedArchive.clone();
		unknown[6] = 99;
		Path file = dir.resolve("unknown.pgdump");
		CustomArchiveSpooler.Result result;
		try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
			result = new CustomArchiveSpooler(new ByteArrayInputStream(unknown), out,
					new CustomArchiveSpooler.Listener() {

						@Override
						public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> entries,
								CustomArchiveSpooler.ArchiveFacts facts) {
							throw new AssertionError("not read");
						}

						@Override
						public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry,
								CustomArchiveSpooler.DataBlock block) {
							throw new AssertionError("not read");
						}

					})
				.copy();
		}

		assertThat(result.indexed()).isFalse();
		assertThat(Files.readAllBytes(file)).isEqualTo(unknown);
	}

	/** The archive in small reads, as a network stream delivers it. */
	private static InputStream slowly(byte[] bytes) {
		return new ByteArrayInputStream(bytes) {

			@Override
			public synchronized int read(byte[] b, int off, int len) {
				return super.read(b, off, Math.min(len, 777));
			}

		};
	}

}
