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
import java.util.List;
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
 * Restores a pg_dump custom-format archive with {@code pg_restore} while the archive is still arriving, so that
 * download, decompression and restore overlap:
 * <ol>
 * <li>the stream is spooled into a file by {@link CustomArchiveSpooler}, which sets each data block's position in
 * the table of contents once the block is in the file;</li>
 * <li>as soon as the table of contents is in the file, {@code pg_restore --section=pre-data} creates the
 * schema;</li>
 * <li>only with {@code loadDuringDownload}: up to {@code jobs} {@code pg_restore -L} processes load the data
 * blocks already in the file, each taking every block completed so far, while later blocks still arrive;</li>
 * <li>when the stream has ended and {@code verification} has passed, the tables' rows not loaded yet are loaded
 * by {@link ParallelTableLoader} over {@code jobs} connections, a large table in slices at once (pg_dump's own
 * COPY statements and bytes; when the archive is compressed or not UTF8, pg_restore loads them instead), and
 * then {@code pg_restore -j jobs} restores everything else (sequence values, large objects, indexes,
 * constraints, triggers, ACLs, materialized views) from the complete file.</li>
 * </ol>
 * Loading during the download can pay off only when the download is slow compared with the restore (not
 * measured on such a link): a single {@code pg_restore -j} over all the data builds each table's indexes while
 * other tables still load, which the early loads cannot (they finish before any index is built), and on the
 * benchmark database, whose bucket delivers faster than the server restores, it is the faster of the two
 * (docs/BENCHMARKS.md).
 * Splitting a restore into pre-data, data and post-data sections is how pg_restore itself is meant to be used
 * for this; every statement is pg_restore's own or, for table rows, pg_dump's COPY. An archive the spooler
 * cannot read is restored the ordinary way, with {@code pg_restore -j} once it is wholly in the file. The first
 * failure (a pg_restore exit status, a COPY, the stream, the verification) stops every process and is thrown. One restore per instance; not
 * thread-safe.
 */
public final class StreamingPgRestore {

	private static final Logger log = LoggerFactory.getLogger(StreamingPgRestore.class);

	private static final ReadyBlock NO_MORE_BLOCKS = new ReadyBlock(null, null);

	private record ReadyBlock(CustomArchiveSpooler.TocEntry entry, CustomArchiveSpooler.DataBlock block) {
	}

	/**
	 * @param preDataMillis from the start until the schema was created
	 * @param streamMillis from the start until the stream had ended and was verified
	 * @param blocksLoadedWhileStreaming data blocks loaded before the stream had ended
	 * @param blocks data blocks in the archive
	 * @param overlapped whether the archive could be restored while arriving (else it was restored afterwards)
	 * @param slices COPY slices in which {@link ParallelTableLoader} loaded tables' rows after the download; 0 when
	 * pg_restore loaded them
	 */
	public record Outcome(long preDataMillis, long streamMillis, long totalMillis, int blocksLoadedWhileStreaming,
			int blocks, boolean overlapped, int slices) {
	}

	private final String pgRestorePath;


	private final PgConnectionSpec target;

	private final int jobs;

	private final boolean loadDuringDownload;

	private final Path spoolFile;

	private final long started = System.nanoTime();

	private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

	private final Set<ChildProcess> running = ConcurrentHashMap.newKeySet();

	private final LinkedBlockingQueue<ReadyBlock> readyBlocks = new LinkedBlockingQueue<>();

	private final Set<Integer> loaded = ConcurrentHashMap.newKeySet();

	private final List<Thread> workers = new ArrayList<>();

	/** Every table data block in the file, in archive order (written on the spooling thread only). */
	private final List<ParallelTableLoader.Table> tableBlocks = new ArrayList<>();

	private volatile Thread preData;

	private volatile List<CustomArchiveSpooler.TocEntry> entries;

	private volatile long preDataMillis;

	private final java.util.concurrent.atomic.AtomicInteger loadedWhileStreaming = new java.util.concurrent.atomic.AtomicInteger();

	private int listFiles;

	/**
	 * @param jobs pg_restore's {@code --jobs}, and the number of loaders during the download
	 * @param loadDuringDownload load each table's data as soon as its block is in the spool file, rather than all
	 * of it with {@code pg_restore -j} after the download
	 * @param spoolFile where the archive is kept while restoring (pg_restore needs a seekable file); the caller
	 * removes it afterwards, with the list files named after it
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
	 * @param verification run once the stream has ended and before anything but the data is restored; it
	 * throws when the bytes read were not the backup's (the caller then discards the database)
	 */
	public Outcome restore(InputStream archive, Runnable verification) {
		boolean indexed;
		CustomArchiveSpooler.ArchiveFacts facts;
		try (FileChannel file = FileChannel.open(this.spoolFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
				StandardOpenOption.TRUNCATE_EXISTING)) {
			CustomArchiveSpooler.Result spooled = new CustomArchiveSpooler(archive, file, new Listener()).copy();
			indexed = spooled.indexed();
			facts = spooled.facts();
		}
		catch (IOException | RuntimeException ex) {
			stopEverything();
			// a corrupt object explains a broken stream or a failing pg_restore better than they do themselves
			verification.run();
			throw failureOr(ex);
		}
		try {
			verification.run();
		}
		catch (RuntimeException ex) {
			stopEverything();
			throw ex;
		}
		long streamMillis = elapsedMillis();
		finishLoaders();
		rethrowFailure();
		int blocks = this.entries == null ? 0
				: (int) this.entries.stream().filter(CustomArchiveSpooler.TocEntry::hasData).count();
		int slices = 0;
		if (this.entries == null) {
			log.info("Archive structure not recognised; restoring it after the download");
			pgRestore(List.of("--jobs=" + this.jobs), "restore");
		}
		else {
			log.info("Stream verified after {} ms; {} of {} data blocks loaded meanwhile{}; restoring the rest with {} jobs",
					streamMillis, this.loadedWhileStreaming.get(), blocks, indexed ? "" : " (block positions incomplete)",
					this.jobs);
			slices = loadTablesInSlices(indexed, facts);
			List<Integer> rest = this.entries.stream()
				.map(CustomArchiveSpooler.TocEntry::dumpId)
				.filter(id -> !this.loaded.contains(id))
				.toList();
			pgRestore(List.of("--jobs=" + this.jobs, "--section=data", "--section=post-data",
					"--use-list=" + listFile(rest)), "restore of indexes, constraints and the remaining data");
		}
		return new Outcome(this.preDataMillis, streamMillis, elapsedMillis(), this.loadedWhileStreaming.get(), blocks,
				this.entries != null, slices);
	}

	/**
	 * Loads the rows of every table not loaded yet with {@link ParallelTableLoader}, when every block's position
	 * is known and the loader reads the archive's data; returns the slices loaded (0: left to pg_restore).
	 */
	private int loadTablesInSlices(boolean indexed, CustomArchiveSpooler.ArchiveFacts facts) {
		List<ParallelTableLoader.Table> tables = this.tableBlocks.stream()
			.filter(table -> !this.loaded.contains(table.entry().dumpId()))
			.toList();
		String whyNot = indexed ? ParallelTableLoader.whyNot(facts) : "block positions incomplete";
		if (tables.isEmpty() || whyNot != null) {
			if (whyNot != null) {
				log.info("Table rows are left to pg_restore: {}", whyNot);
			}
			return 0;
		}
		ParallelTableLoader.Outcome loaded = new ParallelTableLoader(this.target, this.spoolFile, facts.intSize(),
				this.jobs).load(tables);
		tables.forEach(table -> this.loaded.add(table.entry().dumpId()));
		log.info("Loaded {} rows of {} tables ({} MB) in {} slices over {} connections in {} ms", loaded.rows(),
				loaded.tables(), loaded.bytes() / 1_000_000, loaded.slices(), this.jobs, loaded.millis());
		return loaded.slices();
	}

	private final class Listener implements CustomArchiveSpooler.Listener {

		@Override
		public void tableOfContentsWritten(List<CustomArchiveSpooler.TocEntry> toc) {
			entries = List.copyOf(toc);
			log.debug("Table of contents ({} entries) in the spool file at {} ms", toc.size(), elapsedMillis());
			Thread schema = new Thread(() -> {
				try {
					pgRestore(List.of("--section=pre-data"), "restore of the schema (pre-data)");
					preDataMillis = elapsedMillis();
				}
				catch (RuntimeException ex) {
					fail(ex);
				}
			}, "pg_restore-pre-data");
			preData = schema;
			schema.start();
			if (!loadDuringDownload) {
				return;
			}
			for (int i = 0; i < jobs; i++) {
				Thread worker = new Thread(() -> loadBlocks(schema), "pg_restore-data-" + i);
				workers.add(worker);
				worker.start();
			}
		}

		@Override
		public void dataBlockWritten(CustomArchiveSpooler.TocEntry entry, CustomArchiveSpooler.DataBlock block) {
			log.debug("{} ({} bytes) in the spool file at {} ms", entry.describe(), block.size(), elapsedMillis());
			rethrowFailure();
			if (entry.isTableData() && block.rowStarts().length > 0) {
				tableBlocks.add(new ParallelTableLoader.Table(entry, block));
			}
			if (loadDuringDownload) {
				readyBlocks.add(new ReadyBlock(entry, block));
			}
		}

	}

	private void loadBlocks(Thread preData) {
		try {
			preData.join();
			while (this.failure.get() == null) {
				ReadyBlock first = this.readyBlocks.take();
				if (first == NO_MORE_BLOCKS) {
					this.readyBlocks.add(NO_MORE_BLOCKS);
					return;
				}
				List<ReadyBlock> batch = new ArrayList<>(List.of(first));
				this.readyBlocks.drainTo(batch);
				boolean last = batch.remove(NO_MORE_BLOCKS);
				if (last) {
					// the marker stays for the other workers
					this.readyBlocks.add(NO_MORE_BLOCKS);
				}
				List<CustomArchiveSpooler.TocEntry> whole = batch.stream().map(ReadyBlock::entry).toList();
				if (!whole.isEmpty()) {
					long loadStarted = System.nanoTime();
					pgRestore(List.of("--use-list=" + listFile(whole.stream().map(CustomArchiveSpooler.TocEntry::dumpId).toList())),
							"load of " + describe(whole));
					log.info("Loaded {} at {} ms in {} ms", describe(whole), elapsedMillis(),
							(System.nanoTime() - loadStarted) / 1_000_000);
					markLoaded(whole, last);
				}
				if (last) {
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

	private void markLoaded(List<CustomArchiveSpooler.TocEntry> entries, boolean afterStream) {
		entries.forEach(entry -> this.loaded.add(entry.dumpId()));
		if (!afterStream) {
			this.loadedWhileStreaming.addAndGet(entries.size());
		}
	}

	private static String describe(List<CustomArchiveSpooler.TocEntry> batch) {
		if (batch.isEmpty()) {
			return "nothing";
		}
		String names = batch.stream().limit(3).map(CustomArchiveSpooler.TocEntry::describe).collect(Collectors.joining(", "));
		return batch.size() > 3 ? names + " and " + (batch.size() - 3) + " more" : names;
	}

	private void finishLoaders() {
		this.readyBlocks.add(NO_MORE_BLOCKS);
		List<Thread> threads = new ArrayList<>(this.workers);
		if (this.preData != null) {
			threads.add(this.preData);
		}
		for (Thread worker : threads) {
			try {
				worker.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				stopEverything();
				throw new DrbatchException(FailureKind.TOOL_FAILED, "restore interrupted", ex);
			}
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
			stopEverything();
		}
	}

	private void stopEverything() {
		this.running.forEach(ChildProcess::close);
		this.readyBlocks.clear();
		this.workers.forEach(Thread::interrupt);
		if (this.preData != null) {
			this.preData.interrupt();
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
