package io.drbatch.pg;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Loads the table data blocks of a spooled pg_dump custom-format archive into a database whose schema is in
 * place, over several connections at once, each row with pg_dump's own {@code COPY ... FROM stdin} of its table
 * and the archive's bytes as they are. Unlike {@code pg_restore -j}, which loads a table on one connection, a
 * table larger than a slice is cut at the row starts {@link CustomArchiveSpooler} noted and its slices load in
 * parallel, so one large table no longer holds back a restore while the other connections idle (two connections
 * load the benchmark's 1.3 GB table in 60% of the time one takes). Slices are taken largest first.
 *
 * <p>Only for archives whose data is uncompressed and UTF8 (what drbatch writes; the JDBC driver speaks UTF8):
 * {@link #whyNot} says when not. Every session is set up as pg_restore sets its own (no statement, lock or idle
 * timeout, empty search path, row security off). Each slice is one COPY in its own transaction; the first
 * failure stops the other connections at their next buffer and is thrown naming the table, and a stop request
 * ({@link ChildProcess#destroyAll()}) ends the load the same way: the caller discards or recreates the database,
 * as after a failed pg_restore. Memory: about 1.3 MiB per connection. One load per instance; it runs its own
 * threads, and {@link #load} is called from one thread.
 */
public final class ParallelTableLoader {

	private static final int READ_BUFFER = 1024 * 1024;

	private static final int SEND_BUFFER = 256 * 1024;

	/** Slices are no smaller than this, so that a small table is one COPY. */
	private static final long MIN_SLICE = 32L * 1024 * 1024;

	/** A table's data block in the spool file. */
	public record Table(CustomArchiveSpooler.TocEntry entry, CustomArchiveSpooler.DataBlock block) {

		long dataStart() {
			return this.block.rowStarts()[0];
		}

	}

	/**
	 * Part of a table's rows: the chunks from {@code from} up to {@code to} (exclusive), or to the end of the block
	 * when {@code to} is {@link Long#MAX_VALUE}.
	 */
	record Slice(Table table, long from, long to, long bytes) {
	}

	/**
	 * @param rows rows the server reported loaded
	 * @param bytes bytes of the data blocks loaded
	 */
	public record Outcome(int tables, int slices, long rows, long bytes, long millis) {
	}

	private final PgConnectionSpec target;

	private final Path archive;

	private final int intSize;

	private final int connections;

	private final long minSlice;

	private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

	private final AtomicLong rows = new AtomicLong();

	/**
	 * @param intSize the archive's integer size ({@link CustomArchiveSpooler.ArchiveFacts#intSize()})
	 * @param connections connections loading at once
	 */
	public ParallelTableLoader(PgConnectionSpec target, Path archive, int intSize, int connections) {
		this(target, archive, intSize, connections, MIN_SLICE);
	}

	ParallelTableLoader(PgConnectionSpec target, Path archive, int intSize, int connections, long minSlice) {
		this.target = target;
		this.archive = archive;
		this.intSize = intSize;
		this.connections = Math.max(1, connections);
		this.minSlice = minSlice;
	}

	/** Why this loader cannot load the data of an archive with these facts, or {@code null} when it can. */
	public static String whyNot(CustomArchiveSpooler.ArchiveFacts facts) {
		if (facts == null) {
			return "archive header not read";
		}
		if (!facts.uncompressedData()) {
			return "its data blocks are compressed";
		}
		if (!"UTF8".equalsIgnoreCase(facts.encoding())) {
			return "its encoding is " + facts.encoding() + ", not UTF8";
		}
		return null;
	}

	/**
	 * The slices of {@code tables}, largest first: each table's rows cut at its noted row starts into slices of
	 * at least {@code minSlice} bytes and at least a quarter of an equal share per connection, so that the
	 * connections finish close together.
	 */
	static List<Slice> slices(List<Table> tables, int connections, long minSlice) {
		long total = tables.stream().mapToLong(table -> table.block().end() - table.dataStart()).sum();
		long target = connections == 1 ? Long.MAX_VALUE : Math.max(minSlice, total / (connections * 4L));
		List<Slice> slices = new ArrayList<>();
		for (Table table : tables) {
			long[] starts = table.block().rowStarts();
			long from = starts[0];
			for (int i = 1; i < starts.length; i++) {
				if (starts[i] - from >= target && table.block().end() - starts[i] >= target / 2) {
					slices.add(new Slice(table, from, starts[i], starts[i] - from));
					from = starts[i];
				}
			}
			slices.add(new Slice(table, from, Long.MAX_VALUE, table.block().end() - from));
		}
		slices.sort(Comparator.comparingLong(Slice::bytes).reversed());
		return slices;
	}

	/** Loads every table's rows; throws the first failure. */
	public Outcome load(List<Table> tables) {
		long started = System.nanoTime();
		List<Slice> slices = slices(tables, this.connections, this.minSlice);
		Queue<Slice> queue = new ConcurrentLinkedQueue<>(slices);
		List<Thread> workers = new ArrayList<>();
		try (ChildProcess.StopAction stop = ChildProcess.onDestroyAll(
				() -> fail(new DrbatchException(FailureKind.TOOL_FAILED, "loading table data stopped on request")))) {
			for (int i = 0; i < Math.min(this.connections, slices.size()); i++) {
				Thread worker = new Thread(() -> work(queue), "table-loader-" + i);
				workers.add(worker);
				worker.start();
			}
			for (Thread worker : workers) {
				worker.join();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			fail(new DrbatchException(FailureKind.TOOL_FAILED, "loading table data interrupted", ex));
			workers.forEach(Thread::interrupt);
		}
		RuntimeException first = this.failure.get();
		if (first != null) {
			throw first;
		}
		long bytes = slices.stream().mapToLong(Slice::bytes).sum();
		return new Outcome(tables.size(), slices.size(), this.rows.get(), bytes, (System.nanoTime() - started) / 1_000_000);
	}

	private void work(Queue<Slice> queue) {
		Slice slice = null;
		try (Connection connection = this.target.open("drbatch-restore-load");
				FileChannel file = FileChannel.open(this.archive, StandardOpenOption.READ)) {
			prepareSession(connection);
			ChunkReader reader = new ChunkReader(file);
			byte[] send = new byte[SEND_BUFFER];
			while (this.failure.get() == null && (slice = queue.poll()) != null) {
				this.rows.addAndGet(loadSlice(connection, reader, send, slice));
			}
		}
		catch (SQLException | IOException | RuntimeException ex) {
			fail(describeFailure(slice, ex));
		}
	}

	private static void prepareSession(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("SET statement_timeout = 0");
			statement.execute("SET lock_timeout = 0");
			statement.execute("SET idle_in_transaction_session_timeout = 0");
			statement.execute("SELECT pg_catalog.set_config('search_path', '', false)");
			statement.execute("SET row_security = off");
		}
	}

	private long loadSlice(Connection connection, ChunkReader reader, byte[] send, Slice slice)
			throws SQLException, IOException {
		reader.seek(slice.from());
		CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(slice.table().entry().copyStatement());
		try {
			int filled = 0;
			while (reader.position() < slice.to()) {
				int length = reader.readInt(this.intSize);
				if (length == 0) {
					break;
				}
				if (length < 0) {
					throw new IOException("negative chunk length at byte " + reader.position());
				}
				int remaining = length;
				while (remaining > 0) {
					if (filled == send.length) {
						sendOrStop(copy, send, filled);
						filled = 0;
					}
					int n = reader.read(send, filled, Math.min(remaining, send.length - filled));
					filled += n;
					remaining -= n;
				}
			}
			sendOrStop(copy, send, filled);
			return copy.endCopy();
		}
		finally {
			if (copy.isActive()) {
				copy.cancelCopy();
			}
		}
	}

	private void sendOrStop(CopyIn copy, byte[] send, int length) throws SQLException {
		RuntimeException first = this.failure.get();
		if (first != null) {
			throw first;
		}
		if (length > 0) {
			copy.writeToCopy(send, 0, length);
		}
	}

	private RuntimeException describeFailure(Slice slice, Exception ex) {
		if (ex instanceof DrbatchException drbatch && (slice == null || this.failure.get() == drbatch)) {
			return drbatch;
		}
		String what = slice == null ? "table data" : slice.table().entry().describe() + " (rows from byte " + slice.from() + ")";
		return new DrbatchException(FailureKind.TOOL_FAILED, "loading " + what + " into " + this.target.database()
				+ " failed: " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
	}

	private void fail(RuntimeException ex) {
		this.failure.compareAndSet(null, ex);
	}

	/** Buffered positional reading of the archive's chunk headers and chunk bytes. Not thread-safe. */
	private static final class ChunkReader {

		private final FileChannel file;

		private final byte[] buffer = new byte[READ_BUFFER];

		private final ByteBuffer wrapped = ByteBuffer.wrap(this.buffer);

		/** File position of {@code buffer[0]}. */
		private long bufferStart;

		private int offset;

		private int limit;

		ChunkReader(FileChannel file) {
			this.file = file;
		}

		void seek(long position) {
			this.bufferStart = position;
			this.offset = 0;
			this.limit = 0;
		}

		long position() {
			return this.bufferStart + this.offset;
		}

		/** pg_dump's integer: a sign byte, then {@code intSize} bytes, least significant first. */
		int readInt(int intSize) throws IOException {
			int sign = readByte();
			long value = 0;
			for (int i = 0; i < intSize; i++) {
				value |= ((long) readByte()) << (8 * i);
			}
			if (value > Integer.MAX_VALUE) {
				throw new IOException("chunk length out of range at byte " + position());
			}
			return sign != 0 ? (int) -value : (int) value;
		}

		/** Reads between 1 and {@code length} bytes. */
		int read(byte[] into, int at, int length) throws IOException {
			if (this.offset == this.limit) {
				fill();
			}
			int n = Math.min(length, this.limit - this.offset);
			System.arraycopy(this.buffer, this.offset, into, at, n);
			this.offset += n;
			return n;
		}

		private int readByte() throws IOException {
			if (this.offset == this.limit) {
				fill();
			}
			return this.buffer[this.offset++] & 0xFF;
		}

		private void fill() throws IOException {
			this.bufferStart += this.offset;
			this.offset = 0;
			this.wrapped.clear();
			int n = this.file.read(this.wrapped, this.bufferStart);
			if (n <= 0) {
				throw new EOFException("archive ends inside a data block at byte " + this.bufferStart);
			}
			this.limit = n;
		}

	}

}
