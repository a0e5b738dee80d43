package io.drbatch.wal;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongToIntFunction;

import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Receives WAL from a replication stream, segment by segment, from a segment start up to
 * a segment boundary, and hands each complete segment to a {@link SegmentSink} on a
 * second thread, so that receiving the next segment overlaps storing the last one. Only
 * when the sink has stored a segment, and every segment before it, is its end reported to
 * the server as flushed: the slot never moves past WAL that is not durably stored, so a
 * process killed at any moment loses nothing and the next run starts again from the slot.
 *
 * <p>
 * Memory: {@code segmentsInFlight + 1} segment buffers. The stream must deliver
 * contiguous WAL from the start position; anything else fails as
 * {@link FailureKind#INTEGRITY}. No WAL for {@code idleTimeout} before the target fails
 * as {@link FailureKind#DATABASE_UNAVAILABLE}, a stop request ends the run with a failure
 * the caller reads as stopped. Not thread-safe: one receive per instance at a time.
 */
public final class WalReceiver {

	/**
	 * Stores one complete segment durably; returns only once it is stored (verified),
	 * else throws.
	 */
	@FunctionalInterface
	public interface SegmentSink {

		void store(WalSegment segment, byte[] bytes);

	}

	/**
	 * @param flushed the end of the last segment stored and reported to the server
	 */
	public record Result(int segments, long bytes, Lsn flushed) {
	}

	private static final byte[] END = new byte[0];

	private final long segmentSize;

	private final Duration idleTimeout;

	private final int segmentsInFlight;

	private final BooleanSupplier stopRequested;

	public WalReceiver(long segmentSize, Duration idleTimeout, int segmentsInFlight, BooleanSupplier stopRequested) {
		if (segmentSize <= 0 || segmentSize > Integer.MAX_VALUE) {
			throw new IllegalArgumentException("segment size " + segmentSize);
		}
		this.segmentSize = segmentSize;
		this.idleTimeout = idleTimeout;
		this.segmentsInFlight = Math.max(1, segmentsInFlight);
		this.stopRequested = stopRequested;
	}

	/**
	 * Receives WAL from {@code start} (a segment start) up to {@code target} (a segment
	 * boundary after it).
	 * @param timelineOf the timeline whose file holds a segment number
	 */
	public Result receive(PGReplicationStream stream, Lsn start, Lsn target, LongToIntFunction timelineOf,
			SegmentSink sink) {
		if (!start.equals(start.segmentStart(this.segmentSize))
				|| !target.equals(target.nextSegmentBoundary(this.segmentSize)) || !start.isBefore(target)) {
			throw new IllegalArgumentException("receive from " + start + " to " + target);
		}
		BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(this.segmentsInFlight);
		AtomicReference<RuntimeException> failure = new AtomicReference<>();
		int[] stored = { 0 };
		Thread storer = new Thread(() -> {
			try {
				while (true) {
					Object[] next = queue.take();
					if (next[1] == END) {
						return;
					}
					WalSegment segment = (WalSegment) next[0];
					sink.store(segment, (byte[]) next[1]);
					stream.setFlushedLSN(LogSequenceNumber.valueOf(segment.end().value()));
					stored[0]++;
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			catch (RuntimeException ex) {
				failure.compareAndSet(null, ex);
			}
		}, "drbatch-wal-store");
		storer.setDaemon(true);
		storer.start();
		long received = 0;
		try {
			long expected = start.value();
			long segmentNumber = start.segmentNumber(this.segmentSize);
			byte[] buffer = new byte[(int) this.segmentSize];
			int filled = 0;
			long idleSince = System.nanoTime();
			while (expected < target.value()) {
				throwIfFailed(failure);
				if (this.stopRequested.getAsBoolean()) {
					throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
							"stop requested while receiving WAL at " + new Lsn(expected));
				}
				ByteBuffer data = stream.readPending();
				if (data == null) {
					if (System.nanoTime() - idleSince > this.idleTimeout.toNanos()) {
						throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
								"no WAL from the server for " + this.idleTimeout.toSeconds() + " s while waiting for "
										+ new Lsn(expected) + " (target " + target + ")");
					}
					Thread.sleep(5);
					continue;
				}
				idleSince = System.nanoTime();
				int length = data.remaining();
				long dataStart = stream.getLastReceiveLSN().asLong() - length;
				if (dataStart != expected) {
					throw new DrbatchException(FailureKind.INTEGRITY, "the server sent WAL from " + new Lsn(dataStart)
							+ " where " + new Lsn(expected) + " was expected");
				}
				while (data.hasRemaining() && expected < target.value()) {
					int take = (int) Math.min(data.remaining(), this.segmentSize - filled);
					data.get(buffer, filled, take);
					filled += take;
					expected += take;
					received += take;
					if (filled == this.segmentSize) {
						WalSegment segment = new WalSegment(timelineOf.applyAsInt(segmentNumber), segmentNumber,
								this.segmentSize);
						while (!queue.offer(new Object[] { segment, buffer }, 100, TimeUnit.MILLISECONDS)) {
							throwIfFailed(failure);
						}
						buffer = new byte[(int) this.segmentSize];
						filled = 0;
						segmentNumber++;
					}
				}
			}
			while (!queue.offer(new Object[] { null, END }, 100, TimeUnit.MILLISECONDS)) {
				throwIfFailed(failure);
			}
			storer.join();
			throwIfFailed(failure);
			stream.forceUpdateStatus();
			return new Result(stored[0], received, Lsn.ZERO.plus(stream.getLastFlushedLSN().asLong()));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "interrupted while receiving WAL", ex);
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"the replication stream failed after " + received + " bytes: "
							+ (ex.getMessage() == null ? "" : ex.getMessage().lines().findFirst().orElse("")),
					ex);
		}
		finally {
			storer.interrupt();
		}
	}

	private static void throwIfFailed(AtomicReference<RuntimeException> failure) {
		RuntimeException ex = failure.get();
		if (ex != null) {
			throw ex;
		}
	}

}
