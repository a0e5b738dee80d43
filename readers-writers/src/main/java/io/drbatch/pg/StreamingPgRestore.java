package io.drbatch.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Restores a pg_dump custom-format archive while the archive is still arriving, so that
 * download, decompression and restore overlap:
 * <ol>
 * <li>the stream is spooled into a file by {@link CustomArchiveSpooler}, which sets each
 * data block's position in the table of contents once the block is in the file;</li>
 * <li>as soon as the table of contents is in the file,
 * {@code pg_restore --section=pre-data} creates the schema;</li>
 * <li>tables' rows are loaded by {@link ParallelTableLoader} over {@code jobs}
 * connections, in slices of about {@value CustomArchiveSpooler#ROW_RANGE_BYTES} bytes, so
 * that a large table loads on every connection at once: with {@code loadDuringDownload},
 * each slice as soon as it is in the file (and the schema exists), else all of them once
 * the stream has ended and {@code verification} has passed;</li>
 * <li>once the verification has passed, each table's own indexes and constraints (those
 * that depend on nothing but the table and the schema) are built by {@code pg_restore -L}
 * as soon as all its rows are in, up to {@code jobs} such pg_restores at a time, while
 * other tables still load: the largest table, loaded first, has its index built beside
 * the others' loads instead of after them;</li>
 * <li>then {@code pg_restore -j jobs} restores everything else (sequence values, large
 * objects, the other indexes and constraints, foreign keys, triggers, ACLs, materialized
 * views) from the complete file.</li>
 * </ol>
 * Loading during the download overlaps the slowest part of a restore with the download;
 * rows loaded from bytes that then fail verification are in a database the caller
 * discards. Splitting a restore into pre-data, data and post-data sections is how
 * pg_restore itself is meant to be used for this; every statement is pg_restore's own or,
 * for rows, pg_dump's COPY. An archive whose rows the loader cannot read (compressed data
 * blocks, an encoding other than UTF8) has them loaded by that last {@code pg_restore -j}
 * instead, and an archive the spooler cannot read is restored the ordinary way, with
 * {@code pg_restore -j} once it is wholly in the file. The first failure (a pg_restore
 * exit status, a COPY, the stream, the verification) stops every process and is thrown.
 * One restore per instance; not thread-safe.
 *
 * <p>
 * One class by design: it is the coordinator of the phases above, whose ordering rules
 * (schema before rows, verification before indexes, a table's index after its last slice,
 * the first failure stopping all) are the point and read best in one place; the work
 * itself is in {@link CustomArchiveSpooler}, {@link ParallelTableLoader} and pg_restore.
 */
public final class StreamingPgRestore {

	private static final Logger log = LoggerFactory.getLogger(StreamingPgRestore.class);

	/**
	 * @param preDataMillis from the start until the schema was created
	 * @param streamMillis from the start until the stream had ended and was verified
	 * @param slicesLoadedWhileStreaming slices of rows loaded before the stream had ended
	 * @param blocks data blocks in the archive
	 * @param overlapped whether the archive could be restored while arriving (else it was
	 * restored afterwards)
	 * @param slices slices in which {@link ParallelTableLoader} loaded tables' rows; 0
	 * when pg_restore loaded them
	 * @param builtWhileLoading indexes and constraints built as soon as their table was
	 * loaded
	 */
	public record Outcome(long preDataMillis, long streamMillis, long totalMillis, int slicesLoadedWhileStreaming,
			int blocks, boolean overlapped, int slices, int builtWhileLoading) {
	}

	private final String pgRestorePath;

	private final PgConnectionSpec target;

	private final int jobs;

	private final boolean loadDuringDownload;

	private final Path spoolFile;

	private final long started = System.nanoTime();

	private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

	private final Set<ChildProcess> running = ConcurrentHashMap.newKeySet();

	/**
	 * Slices reported by the spooler and not handed to the loader yet (spooling thread
	 * only).
	 */
	private final List<ParallelTableLoader.Slice> pendingSlices = new ArrayList<>();

	private volatile Thread preData;

	private volatile List<CustomArchiveSpooler.TocEntry> entries;

	/**
	 * Loads the rows, when the archive allows it; {@code null} before the TOC or when it
	 * does not.
	 */
	private volatile ParallelTableLoader loader;

	/** Builds loaded tables' indexes; set with {@link #loader}. */
	private volatile TableIndexes tableIndexes;

	private volatile long preDataMillis;

	private int listFiles;

	/**
	 * @param jobs pg_restore's {@code --jobs}, and the connections loading rows
	 * @param loadDuringDownload load rows as soon as they are in the spool file, rather
	 * than after the download has been verified
	 * @param spoolFile where the archive is kept while restoring (pg_restore needs a
	 * seekable file); the caller removes it afterwards, with the list files named after
	 * it
	 */
	public StreamingPgRestore(String pgRestorePath, PgConnectionSpec target, int jobs, boolean loadDuringDownload,
			Path spoolFile) {
		this.pgRestorePath = pgRestorePath;
		this.target = target;
		this.jobs = Math.max(1, jobs);
		this.loadDuringDownload = loadDuringDownload;
		this.spoolFile = spoolFile;
	}

	/**
	 * Restores {@code archive} into the target database, which must exist and be empty.
	 * @param verification run once the stream has ended and before anything but the
	 * schema and rows is restored; it throws when the bytes read were not the backup's
	 * (the caller then discards the database)
	 */
	public Outcome restore(InputStream archive, Runnable verification) {
		boolean indexed;
		try (FileChannel file = FileChannel.open(this.spoolFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
				StandardOpenOption.TRUNCATE_EXISTING)) {
			indexed = new CustomArchiveSpooler(archive, file, new Listener()).copy().indexed();
		}
		catch (IOException | RuntimeException ex) {
			RuntimeException first = failureOr(ex);
			stopEverything(first);
			// a corrupt object explains a broken stream or a failing pg_restore better
			// than they do themselves
			verification.run();
			throw first;
		}
		int whileStreaming = this.loader == null ? 0 : this.loader.slicesLoaded();
		try {
			verification.run();
		}
		catch (RuntimeException ex) {
			stopEverything(ex);
			throw ex;
		}
		long streamMillis = elapsedMillis();
		joinPreData();
		rethrowFailure();
		int blocks = this.entries == null ? 0
				: (int) this.entries.stream().filter(CustomArchiveSpooler.TocEntry::hasData).count();
		if (this.entries == null) {
			log.info("Archive structure not recognised; restoring it after the download");
			pgRestore(List.of("--jobs=" + this.jobs), "restore");
			return new Outcome(this.preDataMillis, streamMillis, elapsedMillis(), 0, 0, false, 0, 0);
		}
		if (this.loader != null && !indexed) {
			// the bytes are the backup's (verified), but not all of them were understood
			this.loader.abort(new DrbatchException(FailureKind.TOOL_FAILED, "archive structure not read to its end"));
			if (this.loader.slicesLoaded() > 0) {
				throw new DrbatchException(FailureKind.TOOL_FAILED, "the archive's structure could not be read to its "
						+ "end after rows had been loaded from it; restore it without load-during-download");
			}
			this.loader = null;
		}
		Set<Integer> loaded = new HashSet<>();
		int slices = 0;
		int builtWhileLoading = 0;
		if (this.loader != null) {
			log.info("Stream verified after {} ms with {} slices of rows loaded meanwhile; loading the rest over {} "
					+ "connections", streamMillis, whileStreaming, this.jobs);
			this.tableIndexes.start();
			this.pendingSlices.forEach(this.loader::add);
			ParallelTableLoader.Outcome rows;
			try {
				rows = this.loader.finish();
			}
			catch (RuntimeException ex) {
				stopEverything(ex);
				throw this.failure.get();
			}
			log.info("Loaded {} rows of {} tables ({} MB) in {} slices over {} connections, done after {} ms",
					rows.rows(), rows.tables(), rows.bytes() / 1_000_000, rows.slices(), this.jobs, elapsedMillis());
			Set<Integer> built = this.tableIndexes.finish();
			rethrowFailure();
			log.info("{} indexes and constraints built as their tables were loaded, done after {} ms", built.size(),
					elapsedMillis());
			loaded.addAll(built);
			builtWhileLoading = built.size();
			this.entries.stream()
				.filter(CustomArchiveSpooler.TocEntry::isTableData)
				.map(CustomArchiveSpooler.TocEntry::dumpId)
				.forEach(loaded::add);
			slices = rows.slices();
		}
		else {
			log.info("Stream verified after {} ms{}; restoring the data with {} jobs", streamMillis,
					indexed ? "" : " (block positions incomplete)", this.jobs);
		}
		List<Integer> rest = this.entries.stream()
			.map(CustomArchiveSpooler.TocEntry::dumpId)
			.filter(id -> !loaded.contains(id))
			.toList();
		pgRestore(
				List.of("--jobs=" + this.jobs, "--section=data", "--section=post-data", "--use-list=" + listFile(rest)),
				"restore of indexes, constraints and the remaining data");
		return new Outcome(this.preDataMillis, streamMillis, elapsedMillis(), whileStreaming, blocks, true, slices,
				builtWhileLoading);
	}

	private final class Listener implements CustomArchiveSpooler.Listener {

		@Override
		public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> toc,
				CustomArchiveSpooler.ArchiveFacts facts) {
			entries = List.copyOf(toc);
			log.debug("Table of contents ({} entries) in the spool file at {} ms", toc.size(), elapsedMillis());
			String whyNot = ParallelTableLoader.whyNot(facts);
			if (whyNot == null) {
				TableIndexes indexes = new TableIndexes(toc);
				tableIndexes = indexes;
				loader = new ParallelTableLoader(target, spoolFile, facts.intSize(), jobs,
						slice -> indexes.loaded(slice.table().dumpId()));
			}
			else {
				log.info("Table rows are left to pg_restore: {}", whyNot);
			}
			Thread schema = new Thread(() -> {
				try {
					pgRestore(List.of("--section=pre-data"), "restore of the schema (pre-data)");
					preDataMillis = elapsedMillis();
					if (loader != null && loadDuringDownload && failure.get() == null) {
						loader.start();
					}
				}
				catch (RuntimeException ex) {
					fail(ex);
				}
			}, "pg_restore-pre-data");
			preData = schema;
			schema.start();
		}

		@Override
		public void rowsWritten(CustomArchiveSpooler.TocEntry table, long from, long to) {
			rethrowFailure();
			if (loader == null) {
				return;
			}
			ParallelTableLoader.Slice slice = new ParallelTableLoader.Slice(table, from, to);
			tableIndexes.reported(table.dumpId());
			if (loadDuringDownload) {
				loader.rethrowFailure();
				loader.add(slice);
			}
			else {
				pendingSlices.add(slice);
			}
		}

		@Override
		public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry, CustomArchiveSpooler.DataBlock block) {
			log.debug("{} ({} bytes) in the spool file at {} ms", entry.describe(), block.size(), elapsedMillis());
			rethrowFailure();
			if (tableIndexes != null && entry.isTableData()) {
				tableIndexes.complete(entry.dumpId());
			}
		}

	}

	/**
	 * Builds each table's own indexes and constraints with {@code pg_restore -L} once all
	 * its rows are loaded: the post-data {@code INDEX} and {@code CONSTRAINT} entries
	 * that depend on one table with rows in the archive and otherwise only on pre-data
	 * entries (foreign keys, partition index attachments and the like are left to the
	 * last pg_restore). Up to {@code jobs} pg_restore processes at a time, each taking
	 * every table ready by then, so that a small table's key does not wait for a large
	 * one's; none before {@link #start()}, which comes after the download is verified.
	 * Thread-safe.
	 */
	private final class TableIndexes {

		private static final List<Integer> NO_MORE = List.of();

		/** Post-data entries per TABLE DATA dump id, removed once queued. */
		private final Map<Integer, List<Integer>> byTableData = new HashMap<>();

		/**
		 * Per TABLE DATA dump id: slices reported, slices loaded, 1 when its block is
		 * complete.
		 */
		private final Map<Integer, int[]> progress = new HashMap<>();

		private final LinkedBlockingQueue<List<Integer>> ready = new LinkedBlockingQueue<>();

		private final Set<Integer> built = ConcurrentHashMap.newKeySet();

		private final List<Thread> builders = new ArrayList<>();

		TableIndexes(List<CustomArchiveSpooler.TocEntry> toc) {
			Map<Integer, CustomArchiveSpooler.TocEntry> byId = new HashMap<>();
			toc.forEach(entry -> byId.put(entry.dumpId(), entry));
			Map<Integer, Integer> tableDataByTable = new HashMap<>();
			for (CustomArchiveSpooler.TocEntry entry : toc) {
				if (entry.isTableData()) {
					entry.dependencies()
						.stream()
						.filter(id -> byId.containsKey(id) && "TABLE".equals(byId.get(id).desc()))
						.forEach(table -> tableDataByTable.put(table, entry.dumpId()));
				}
			}
			for (CustomArchiveSpooler.TocEntry entry : toc) {
				if (entry.section() != CustomArchiveSpooler.SECTION_POST_DATA
						|| !("INDEX".equals(entry.desc()) || "CONSTRAINT".equals(entry.desc()))) {
					continue;
				}
				List<Integer> tables = entry.dependencies().stream().filter(tableDataByTable::containsKey).toList();
				boolean restPreData = entry.dependencies()
					.stream()
					.filter(id -> !tableDataByTable.containsKey(id))
					.allMatch(id -> byId.containsKey(id)
							&& byId.get(id).section() == CustomArchiveSpooler.SECTION_PRE_DATA);
				if (tables.size() == 1 && restPreData) {
					this.byTableData.computeIfAbsent(tableDataByTable.get(tables.get(0)), id -> new ArrayList<>())
						.add(entry.dumpId());
				}
			}
		}

		synchronized void reported(int tableData) {
			this.progress.computeIfAbsent(tableData, id -> new int[3])[0]++;
		}

		synchronized void loaded(int tableData) {
			this.progress.computeIfAbsent(tableData, id -> new int[3])[1]++;
			queueIfLoaded(tableData);
		}

		synchronized void complete(int tableData) {
			this.progress.computeIfAbsent(tableData, id -> new int[3])[2] = 1;
			queueIfLoaded(tableData);
		}

		private void queueIfLoaded(int tableData) {
			int[] table = this.progress.get(tableData);
			if (table[2] == 1 && table[0] == table[1]) {
				List<Integer> entries = this.byTableData.remove(tableData);
				if (entries != null) {
					this.ready.add(entries);
				}
			}
		}

		synchronized void start() {
			for (int i = 0; i < jobs; i++) {
				Thread thread = new Thread(this::build, "pg_restore-table-indexes-" + i);
				this.builders.add(thread);
				thread.start();
			}
		}

		private void build() {
			try {
				while (true) {
					List<List<Integer>> batch = new ArrayList<>(List.of(this.ready.take()));
					this.ready.drainTo(batch);
					boolean last = batch.remove(NO_MORE);
					if (last) {
						this.ready.add(NO_MORE);
					}
					List<Integer> entries = batch.stream().flatMap(List::stream).toList();
					if (!entries.isEmpty() && failure.get() == null) {
						long buildStarted = elapsedMillis();
						pgRestore(List.of("--section=post-data", "--use-list=" + listFile(entries)),
								"build of " + entries.size() + " indexes and constraints of loaded tables");
						this.built.addAll(entries);
						log.info("Built {} indexes and constraints of {} loaded tables from {} ms to {} ms",
								entries.size(), batch.size(), buildStarted, elapsedMillis());
					}
					if (last || failure.get() != null) {
						return;
					}
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (RuntimeException ex) {
				fail(ex);
			}
		}

		/** Waits for the builds queued so far; returns the entries built. */
		Set<Integer> finish() {
			this.ready.add(NO_MORE);
			try {
				for (Thread thread : startedBuilders()) {
					thread.join();
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				fail(new DrbatchException(FailureKind.TOOL_FAILED, "restore interrupted", ex));
			}
			return Set.copyOf(this.built);
		}

		void stop() {
			this.ready.add(NO_MORE);
			startedBuilders().forEach(Thread::interrupt);
		}

		private synchronized List<Thread> startedBuilders() {
			return List.copyOf(this.builders);
		}

	}

	private void joinPreData() {
		Thread schema = this.preData;
		if (schema == null) {
			return;
		}
		try {
			schema.join();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			stopEverything(new DrbatchException(FailureKind.TOOL_FAILED, "restore interrupted", ex));
			throw new DrbatchException(FailureKind.TOOL_FAILED, "restore interrupted", ex);
		}
	}

	private void pgRestore(List<String> options, String what) {
		List<String> command = new ArrayList<>(List.of(this.pgRestorePath, "--no-owner", "--exit-on-error",
				"--no-password", "--host=" + this.target.host(), "--port=" + this.target.port(),
				"--username=" + this.target.username(), "--dbname=" + this.target.database()));
		command.addAll(options);
		command.add(this.spoolFile.toString());
		try (ChildProcess process = ChildProcess.start(command, this.target, false)) {
			this.running.add(process);
			try {
				if (this.failure.get() != null) {
					return;
				}
				process.stdin().close();
				try (InputStream out = process.stdout()) {
					out.transferTo(OutputStream.nullOutputStream());
				}
				process.waitForSuccess();
			}
			finally {
				this.running.remove(process);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(what + " into " + this.target.database() + " failed", ex);
		}
		catch (DrbatchException ex) {
			throw new DrbatchException(ex.kind(), "pg_restore " + what + " failed: " + ex.getMessage(), ex);
		}
	}

	private synchronized Path listFile(List<Integer> dumpIds) {
		Path list = this.spoolFile.resolveSibling(this.spoolFile.getFileName() + ".list" + (this.listFiles++));
		String lines = dumpIds.stream().map(id -> id + "\n").collect(Collectors.joining());
		try {
			Files.writeString(list, lines, StandardCharsets.US_ASCII);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot write pg_restore list " + list, ex);
		}
		return list;
	}

	/** Removes the list files this restore wrote next to the spool file. */
	public void deleteListFiles() {
		for (int i = 0; i < this.listFiles; i++) {
			try {
				Files.deleteIfExists(this.spoolFile.resolveSibling(this.spoolFile.getFileName() + ".list" + i));
			}
			catch (IOException ex) {
				log.warn("Cannot delete pg_restore list file: {}", ex.getMessage());
			}
		}
	}

	private void fail(RuntimeException ex) {
		if (this.failure.compareAndSet(null, ex)) {
			this.running.forEach(ChildProcess::close);
			ParallelTableLoader rows = this.loader;
			if (rows != null) {
				rows.cancel(ex);
			}
		}
	}

	/** Ends the child processes and the loader after {@code why}, and waits for them. */
	private void stopEverything(RuntimeException why) {
		this.failure.compareAndSet(null, why);
		this.running.forEach(ChildProcess::close);
		if (this.preData != null) {
			this.preData.interrupt();
		}
		ParallelTableLoader rows = this.loader;
		if (rows != null) {
			rows.abort(this.failure.get());
		}
		TableIndexes indexes = this.tableIndexes;
		if (indexes != null) {
			indexes.stop();
		}
	}

	private void rethrowFailure() {
		RuntimeException first = this.failure.get();
		if (first != null) {
			throw first;
		}
	}

	private RuntimeException failureOr(Exception ex) {
		RuntimeException first = this.failure.get();
		if (first != null) {
			return first;
		}
		return ex instanceof RuntimeException runtime ? runtime
				: new UncheckedIOException("cannot spool the archive to " + this.spoolFile, (IOException) ex);
	}

	private long elapsedMillis() {
		return (System.nanoTime() - this.started) / 1_000_000;
	}

}
