package io.drbatch.recovery;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.codec.Compression;
import io.drbatch.codec.Sha256;
import io.drbatch.codec.StreamEncryption;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.store.ObjectInfo;
import io.drbatch.wal.TimelineHistory;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

/**
 * Fetches the WAL a recovery replays into a local spool folder ahead of the server,
 * several segments at a time, each verified before it appears under the name PostgreSQL
 * asks for: the stored bytes against the store's SHA-256, the decoded 16 MiB against the
 * raw SHA-256 recorded when it was archived, and its first page header's timeline and
 * address against the segment's name. The server's {@code restore_command}
 * ({@link RecoveryFiles#restoreScript}) copies from the folder, waiting while a file is
 * on its way, and marks what it took; the prefetcher keeps at most {@code lookahead}
 * segments beyond the newest one taken and removes those the server is done with, so the
 * folder stays bounded whatever the length of the replay.
 *
 * <p>
 * Files in the folder: {@code .expected} (every name that will come, written first, so
 * the script answers "no such file" at once for any other), the history files, the
 * segments (written under a temporary name and moved into place), {@code .done} when
 * every segment is there, {@code .failed} with the reason when one could not be fetched
 * or verified (the script then answers "no such file", and recovery stops before the bad
 * segment). Runs on its own threads from {@link #start} until {@link #close}.
 */
public final class WalPrefetcher implements AutoCloseable {

	private static final Logger log = LoggerFactory.getLogger(WalPrefetcher.class);

	/**
	 * Taken segments kept in case the server reads one again (redo from a checkpoint).
	 */
	private static final int KEEP_TAKEN = 4;

	private final WalArchive archive;

	private final Map<String, StreamEncryption> keys;

	private final Path spool;

	private final int parallel;

	private final int lookahead;

	private final ExecutorService workers;

	private final AtomicReference<DrbatchException> failure = new AtomicReference<>();

	private final AtomicLong bytesDownloaded = new AtomicLong();

	private final AtomicLong segmentsFetched = new AtomicLong();

	private final AtomicLong unverifiedRaw = new AtomicLong();

	private Thread coordinator;

	private volatile boolean closed;

	/**
	 * @param parallel segments downloaded at once
	 * @param lookahead segments fetched beyond the newest one the server took
	 */
	public WalPrefetcher(WalArchive archive, Map<String, StreamEncryption> keys, Path spool, int parallel,
			int lookahead) {
		this.archive = archive;
		this.keys = keys;
		this.spool = spool;
		this.parallel = parallel;
		this.lookahead = Math.max(lookahead, parallel);
		this.workers = Executors.newFixedThreadPool(parallel, runnable -> {
			Thread thread = new Thread(runnable, "wal-prefetch");
			thread.setDaemon(true);
			return thread;
		});
	}

	/**
	 * Writes the history files and the list of expected names, then fetches
	 * {@code segments} in order on the prefetcher's threads.
	 */
	public void start(List<WalSegment> segments, Collection<TimelineHistory> histories) {
		try {
			Files.createDirectories(this.spool);
			List<String> expected = new ArrayList<>();
			for (TimelineHistory history : histories) {
				String name = TimelineHistory.fileName(history.timeline());
				writeAtomically(name, history.text().getBytes(StandardCharsets.UTF_8));
				expected.add(name);
			}
			segments.forEach(segment -> expected.add(segment.name()));
			writeAtomically(RecoveryFiles.EXPECTED,
					(String.join("\n", expected) + "\n").getBytes(StandardCharsets.UTF_8));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot prepare the WAL spool folder " + this.spool, ex);
		}
		this.coordinator = new Thread(() -> fetchAll(segments), "wal-prefetch-coordinator");
		this.coordinator.setDaemon(true);
		this.coordinator.start();
	}

	private void fetchAll(List<WalSegment> segments) {
		List<Future<?>> pending = new ArrayList<>();
		try {
			int index = 0;
			while (index < segments.size() && !this.closed && this.failure.get() == null) {
				long taken = newestTaken(segments);
				// fetch up to `lookahead` segments beyond the newest one the server took
				if (index - taken > this.lookahead) {
					pruneTaken(segments, taken);
					Thread.sleep(50);
					continue;
				}
				WalSegment segment = segments.get(index++);
				pending.add(this.workers.submit(() -> fetch(segment)));
				collectDone(pending);
				while (pending.size() >= this.parallel && !this.closed) {
					pending.get(0).get();
					collectDone(pending);
				}
			}
			for (Future<?> future : pending) {
				future.get();
			}
			if (this.failure.get() == null && !this.closed) {
				writeAtomically(RecoveryFiles.DONE, new byte[0]);
				log.info("recovery: all {} WAL segment(s) fetched and verified ({} bytes downloaded)", segments.size(),
						this.bytesDownloaded.get());
			}
			while (!this.closed && this.failure.get() == null) {
				pruneTaken(segments, newestTaken(segments));
				Thread.sleep(200);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (java.util.concurrent.ExecutionException ex) {
			fail(ex.getCause() instanceof DrbatchException drbatch ? drbatch : new DrbatchException(
					FailureKind.STORE_UNAVAILABLE, "cannot fetch WAL: " + ex.getCause().getMessage(), ex.getCause()));
		}
		catch (IOException | RuntimeException ex) {
			fail(ex instanceof DrbatchException drbatch ? drbatch
					: new DrbatchException(FailureKind.STORE_UNAVAILABLE, "cannot fetch WAL: " + ex.getMessage(), ex));
		}
	}

	/**
	 * Removes the finished fetches from {@code pending}, rethrowing the failure of one
	 * that failed (through {@link Future#get}), so that no failed fetch is ever taken for
	 * a fetched segment.
	 */
	private static void collectDone(List<Future<?>> pending)
			throws InterruptedException, java.util.concurrent.ExecutionException {
		for (java.util.Iterator<Future<?>> it = pending.iterator(); it.hasNext();) {
			Future<?> future = it.next();
			if (future.isDone()) {
				future.get();
				it.remove();
			}
		}
	}

	/**
	 * Fetches, verifies and moves one segment into the spool; any failure, whatever its
	 * type, fails the prefetch: a segment missing from the spool must never look like the
	 * end of the archive.
	 */
	private void fetch(WalSegment segment) {
		if (this.closed || this.failure.get() != null) {
			return;
		}
		Path part = this.spool.resolve(segment.name() + ".part");
		try {
			writeVerified(segment, part);
			Files.move(part, this.spool.resolve(segment.name()), StandardCopyOption.ATOMIC_MOVE);
			this.segmentsFetched.incrementAndGet();
		}
		catch (IOException ex) {
			fail(new DrbatchException(FailureKind.TOOL_FAILED,
					"cannot write segment " + segment + " into " + this.spool + ": " + ex.getMessage(), ex));
		}
		catch (DrbatchException ex) {
			fail(ex);
		}
		catch (RuntimeException | Error ex) {
			fail(new DrbatchException(FailureKind.STORE_UNAVAILABLE,
					"cannot fetch segment " + segment + ": " + ex.getClass().getSimpleName() + ": " + ex.getMessage(),
					ex));
		}
		finally {
			try {
				Files.deleteIfExists(part);
			}
			catch (IOException ex) {
				log.debug("recovery: cannot remove {}: {}", part, ex.getMessage());
			}
		}
	}

	/**
	 * Decodes the segment into {@code part} as it downloads (memory: the stream buffers,
	 * never the segment whole), then checks it: the stored bytes against the store's
	 * SHA-256, the decoded size, the decoded bytes against the raw SHA-256 recorded when
	 * it was archived, and its first page header against its name. A segment that fails a
	 * check is never moved where the server could read it.
	 */
	void writeVerified(WalSegment segment, Path part) throws IOException {
		String key = this.archive.segmentKey(segment);
		String where = "segment " + segment + " (" + key + " on target '" + this.archive.store().name() + "')";
		ObjectInfo info = this.archive.store()
			.head(key)
			.orElseThrow(() -> new DrbatchException(FailureKind.WAL_CHAIN_BROKEN, where + " is missing"));
		MessageDigest storedDigest = Sha256.newDigest();
		MessageDigest rawDigest = Sha256.newDigest();
		byte[] header = new byte[16];
		long written;
		try (DigestInputStream stored = new DigestInputStream(this.archive.store().get(key), storedDigest);
				BufferedInputStream buffered = new BufferedInputStream(stored, 1 << 16);
				InputStream plain = StreamEncryption.decryptIfEncrypted(buffered, this.keys, key);
				InputStream in = Compression.ZSTD.decompress(plain);
				java.io.OutputStream out = new java.security.DigestOutputStream(
						new java.io.BufferedOutputStream(Files.newOutputStream(part), 1 << 16), rawDigest)) {
			int headerBytes = in.readNBytes(header, 0, header.length);
			out.write(header, 0, headerBytes);
			written = headerBytes + in.transferTo(out);
			buffered.transferTo(java.io.OutputStream.nullOutputStream());
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					where + " cannot be decoded: " + ex.getMessage() + "; PostgreSQL was not given it", ex);
		}
		this.bytesDownloaded.addAndGet(info.size());
		String storedSha = Sha256.base64(storedDigest.digest());
		if (info.checksumSha256() != null && !info.checksumSha256().contains("-")
				&& !info.checksumSha256().equals(storedSha)) {
			throw new DrbatchException(FailureKind.INTEGRITY, where + " arrived with SHA-256 " + storedSha
					+ ", the store records " + info.checksumSha256() + "; PostgreSQL was not given it");
		}
		if (written != segment.segmentSize()) {
			throw new DrbatchException(FailureKind.INTEGRITY, where + " decodes to " + written + " bytes, not "
					+ segment.segmentSize() + "; PostgreSQL was not given it");
		}
		String recorded = info.metadata().get(WalArchive.RAW_SHA256);
		if (recorded != null) {
			String actual = Sha256.hex(rawDigest.digest());
			if (!recorded.equals(actual)) {
				throw new DrbatchException(FailureKind.INTEGRITY, where + " decodes to WAL with SHA-256 " + actual
						+ ", recorded when it was archived: " + recorded + "; PostgreSQL was not given it");
			}
		}
		else if (this.unverifiedRaw.getAndIncrement() == 0) {
			log.warn("recovery: {} carries no raw SHA-256 (archived before drbatch recorded one); "
					+ "its page headers and the store's checksum are checked", where);
		}
		ByteBuffer page = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN);
		int timeline = page.getInt(4);
		long address = page.getLong(8);
		if (timeline != segment.timeline() || address != segment.start().value()) {
			throw new DrbatchException(FailureKind.INTEGRITY, where + " holds WAL of timeline " + timeline + " at "
					+ new io.drbatch.wal.Lsn(address) + ", not of its name; PostgreSQL was not given it");
		}
	}

	/**
	 * Whether every segment was fetched and verified; waits a few seconds for the last
	 * fetches to settle, since the server may ask past the last segment the moment it
	 * took it.
	 */
	public boolean finished() {
		long deadline = System.nanoTime() + 5_000_000_000L;
		while (!Files.exists(this.spool.resolve(RecoveryFiles.DONE))) {
			if (this.failure.get() != null || System.nanoTime() > deadline) {
				return false;
			}
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return false;
			}
		}
		return true;
	}

	/** The index in {@code segments} of the newest segment the server took, or -1. */
	private long newestTaken(List<WalSegment> segments) {
		for (int i = segments.size() - 1; i >= 0; i--) {
			if (Files.exists(this.spool.resolve(segments.get(i).name() + RecoveryFiles.TAKEN))) {
				return i;
			}
		}
		return -1;
	}

	private void pruneTaken(List<WalSegment> segments, long newestTaken) {
		for (int i = 0; i < newestTaken - KEEP_TAKEN; i++) {
			try {
				Files.deleteIfExists(this.spool.resolve(segments.get(i).name()));
			}
			catch (IOException ex) {
				log.debug("recovery: cannot remove {} from the spool: {}", segments.get(i), ex.getMessage());
			}
		}
	}

	private void fail(DrbatchException failure) {
		if (this.failure.compareAndSet(null, failure)) {
			log.error("recovery: {}", failure.getMessage());
			try {
				writeAtomically(RecoveryFiles.FAILED, failure.getMessage().getBytes(StandardCharsets.UTF_8));
			}
			catch (IOException ex) {
				log.warn("recovery: cannot mark the spool failed: {}", ex.getMessage());
			}
		}
	}

	private void writeAtomically(String name, byte[] bytes) throws IOException {
		Path temporary = this.spool.resolve(name + ".part");
		Files.write(temporary, bytes);
		Files.move(temporary, this.spool.resolve(name), StandardCopyOption.ATOMIC_MOVE,
				StandardCopyOption.REPLACE_EXISTING);
	}

	/** Why fetching stopped, if it failed. */
	public java.util.Optional<DrbatchException> failure() {
		return java.util.Optional.ofNullable(this.failure.get());
	}

	public long bytesDownloaded() {
		return this.bytesDownloaded.get();
	}

	public long segmentsFetched() {
		return this.segmentsFetched.get();
	}

	@Override
	public void close() {
		this.closed = true;
		if (this.coordinator != null) {
			this.coordinator.interrupt();
		}
		this.workers.shutdownNow();
		try {
			this.workers.awaitTermination(30, TimeUnit.SECONDS);
			if (this.coordinator != null) {
				this.coordinator.join(30_000);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
