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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Loads tables' rows from a spooled pg_dump custom-format archive into a database whose
 * schema is in place, over several connections at once, each slice of rows with pg_dump's
 * own {@code COPY ... FROM stdin} of its table and the archive's bytes as they are.
 * Slices are the ranges of whole rows {@link CustomArchiveSpooler} reports (about
 * {@value CustomArchiveSpooler#ROW_RANGE_BYTES} bytes each), so that, unlike
 * {@code pg_restore -j}, which loads a table on one connection, a large table loads on
 * every connection at once (two connections load the benchmark's 1.3 GB table in 60% of
 * the time one takes), and loading can start while later rows still arrive. A connection
 * takes the next waiting slice of the table with the most rows reported so far, so that
 * the largest table, whose indexes take longest to build, is loaded first, and the caller
 * can build them while the others still load ({@link SliceListener}).
 *
 * <p>
 * Only for archives whose data is uncompressed and UTF8 (what drbatch writes; the JDBC
 * driver speaks UTF8): {@link #whyNot} says when not. Every session is set up as
 * pg_restore sets its own (no statement, lock or idle timeout, empty search path, row
 * security off), and with no idle session timeout either, since a connection waits for
 * the next slice while a slow download goes on. Each slice is one COPY in its own
 * transaction; the first failure stops the other connections at their next buffer and is
 * thrown by {@link #finish()} naming the table, and a stop request
 * ({@link ChildProcess#destroyAll()}) ends the load the same way: the caller discards or
 * recreates the database, as after a failed pg_restore. Memory: about 1.3 MiB per
 * connection plus the waiting slices' descriptions. Thread-safe: slices may be added from
 * any thread; {@link #start()} and {@link #finish()} once each; the listener is called on
 * the loading threads.
 *
 * <p>
 * One class by design: the queue of slices, the choice of the next one, the
 * per-connection COPY and the shared failure that stops them all are one concurrency
 * protocol, checked as a whole.
 */
public final class ParallelTableLoader {

	private static final int READ_BUFFER = 1024 * 1024;

	private static final int SEND_BUFFER = 256 * 1024;

	/**
	 * Rows of one table between two chunk headers of the archive ({@code to} exclusive).
	 */
	public record Slice(CustomArchiveSpooler.TocEntry table, long from, long to) {

		long bytes() {
			return this.to - this.from;
		}

	}

	/**
	 * @param rows rows the server reported loaded
	 * @param bytes bytes of the archive loaded
	 */
	public record Outcome(int tables, int slices, long rows, long bytes, long millis) {
	}

	/** Told of every slice once its rows are committed, on the thread that loaded it. */
	@FunctionalInterface
	public interface SliceListener {

		void loaded(Slice slice);

	}

	private final PgConnectionSpec target;

	private final Path archive;

	private final int intSize;

	private final int connections;

	private final SliceListener listener;

	/**
	 * Guards {@link #waiting}, {@link #bytesReported} and {@link #ended}; waited on by
	 * idle connections.
	 */
	private final Object queueLock = new Object();

	/**
	 * Slices not taken yet, per table (dump id of its TABLE DATA entry), each table's in
	 * order.
	 */
	private final Map<Integer, ArrayDeque<Slice>> waiting = new LinkedHashMap<>();

	private final Map<Integer, Long> bytesReported = new HashMap<>();

	private boolean ended;

	private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

	private final AtomicLong rows = new AtomicLong();

	private final AtomicLong bytes = new AtomicLong();

	private final Set<Integer> tables = ConcurrentHashMap.newKeySet();

	private final AtomicInteger slices = new AtomicInteger();

	private final List<Thread> workers = new ArrayList<>();

	private ChildProcess.StopAction stopAction;

	private volatile long started;

	/**
	 * @param intSize the archive's integer size
	 * ({@link CustomArchiveSpooler.ArchiveFacts#intSize()})
	 * @param connections connections loading at once
	 */
	public ParallelTableLoader(PgConnectionSpec target, Path archive, int intSize, int connections,
			SliceListener listener) {
		this.target = target;
		this.archive = archive;
		this.intSize = intSize;
		this.connections = Math.max(1, connections);
		this.listener = listener;
	}

	/**
	 * Why this loader cannot load the data of an archive with these facts, or
	 * {@code null} when it can.
	 */
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

	/** Queues {@code slice}; it loads once {@link #start()} has been called. */
	public void add(Slice slice) {
		synchronized (this.queueLock) {
			this.waiting.computeIfAbsent(slice.table().dumpId(), id -> new ArrayDeque<>()).add(slice);
			this.bytesReported.merge(slice.table().dumpId(), slice.bytes(), Long::sum);
			this.queueLock.notifyAll();
		}
	}

	/**
	 * The next slice of the table with the most bytes reported (the first such table on a
	 * tie); waits while none is waiting and more may come; {@code null} when none will
	 * (ended or failed).
	 */
	private Slice take() throws InterruptedException {
		synchronized (this.queueLock) {
			while (true) {
				if (this.failure.get() != null) {
					return null;
				}
				ArrayDeque<Slice> next = null;
				long largest = -1;
				for (Map.Entry<Integer, ArrayDeque<Slice>> table : this.waiting.entrySet()) {
					long reported = this.bytesReported.get(table.getKey());
					if (!table.getValue().isEmpty() && reported > largest) {
						next = table.getValue();
						largest = reported;
					}
				}
				if (next != null) {
					return next.poll();
				}
				if (this.ended) {
					return null;
				}
				this.queueLock.wait();
			}
		}
	}

	private void endQueue(boolean discardWaiting) {
		synchronized (this.queueLock) {
			this.ended = true;
			if (discardWaiting) {
				this.waiting.clear();
			}
			this.queueLock.notifyAll();
		}
	}

	/**
	 * Opens the connections, which load queued and later slices until {@link #finish()}.
	 */
	public synchronized void start() {
		if (this.started != 0) {
			throw new IllegalStateException("already started");
		}
		if (this.failure.get() != null) {
			return;
		}
		this.started = System.nanoTime();
		this.stopAction = ChildProcess.onDestroyAll(
				() -> fail(new DrbatchException(FailureKind.TOOL_FAILED, "loading table data stopped on request")));
		for (int i = 0; i < this.connections; i++) {
			Thread worker = new Thread(this::work, "table-loader-" + i);
			this.workers.add(worker);
			worker.start();
		}
	}

	/**
	 * Waits until every slice added is loaded (starting the connections if that was not
	 * done) and throws the first failure.
	 */
	public Outcome finish() {
		synchronized (this) {
			if (this.started == 0) {
				start();
			}
		}
		endQueue(false);
		join();
		RuntimeException first = this.failure.get();
		if (first != null) {
			throw first;
		}
		return new Outcome(this.tables.size(), this.slices.get(), this.rows.get(), this.bytes.get(),
				(System.nanoTime() - this.started) / 1_000_000);
	}

	/** Slices loaded so far. */
	public int slicesLoaded() {
		return this.slices.get();
	}

	/** Throws the first failure of a connection, if there was one. */
	public void rethrowFailure() {
		RuntimeException first = this.failure.get();
		if (first != null) {
			throw first;
		}
	}

	/**
	 * Stops loading (each connection at its next buffer) for {@code why}, and waits for
	 * the connections to end.
	 */
	public void abort(RuntimeException why) {
		cancel(why);
		join();
	}

	/**
	 * Stops loading (each connection at its next buffer) for {@code why}, without
	 * waiting.
	 */
	public void cancel(RuntimeException why) {
		fail(why);
		endQueue(true);
	}

	private void join() {
		List<Thread> started;
		ChildProcess.StopAction stop;
		synchronized (this) {
			started = List.copyOf(this.workers);
			stop = this.stopAction;
		}
		try {
			for (Thread worker : started) {
				worker.join();
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			fail(new DrbatchException(FailureKind.TOOL_FAILED, "loading table data interrupted", ex));
		}
		finally {
			if (stop != null) {
				stop.close();
			}
		}
	}

	private void work() {
		Slice slice = null;
		try (Connection connection = this.target.open("drbatch-restore-load");
				FileChannel file = FileChannel.open(this.archive, StandardOpenOption.READ)) {
			prepareSession(connection);
			ChunkReader reader = new ChunkReader(file);
			byte[] send = new byte[SEND_BUFFER];
			for (slice = take(); slice != null; slice = take()) {
				this.rows.addAndGet(loadSlice(connection, reader, send, slice));
				this.bytes.addAndGet(slice.bytes());
				this.tables.add(slice.table().dumpId());
				this.slices.incrementAndGet();
				this.listener.loaded(slice);
			}
		}
		catch (InterruptedException ex) {
			fail(new DrbatchException(FailureKind.TOOL_FAILED, "loading table data interrupted", ex));
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
			if (connection.getMetaData().getDatabaseMajorVersion() >= 14) {
				statement.execute("SET idle_session_timeout = 0");
			}
			statement.execute("SELECT pg_catalog.set_config('search_path', '', false)");
			statement.execute("SET row_security = off");
		}
	}

	private long loadSlice(Connection connection, ChunkReader reader, byte[] send, Slice slice)
			throws SQLException, IOException {
		reader.seek(slice.from());
		CopyIn copy = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(slice.table().copyStatement());
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
		String what = slice == null ? "table data"
				: slice.table().describe() + " (rows from byte " + slice.from() + ")";
		return new DrbatchException(FailureKind.TOOL_FAILED, "loading " + what + " into " + this.target.database()
				+ " failed: " + PgConnectionSpec.firstLine(ex.getMessage()), ex);
	}

	private void fail(RuntimeException ex) {
		this.failure.compareAndSet(null, ex);
		synchronized (this.queueLock) {
			this.queueLock.notifyAll();
		}
	}

	/**
	 * Buffered positional reading of the archive's chunk headers and chunk bytes. Not
	 * thread-safe.
	 */
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

		/**
		 * pg_dump's integer: a sign byte, then {@code intSize} bytes, least significant
		 * first.
		 */
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
