package io.drbatch.wal;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongToIntFunction;

import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Receives WAL from a replication stream, segment by segment, from a segment start up to
 * a segment boundary: each segment is encoded (compressed) as its bytes arrive, and
 * handed whole to a {@link SegmentSink} on a second thread, so that receiving the next
 * segment overlaps storing the last one. Only when the sink has stored a segment, and
 * every segment before it, is its end reported to the server as flushed: the slot never
 * moves past WAL that is not durably stored, so a process killed at any moment loses
 * nothing and the next run starts again from the slot.
 *
 * <p>
 * Memory: the raw segment is never held whole; at most {@code segmentsInFlight + 2}
 * compressed segments are. The stream must deliver contiguous WAL from the start
 * position; anything else fails as {@link FailureKind#INTEGRITY}. No WAL for
 * {@code idleTimeout} before the target fails as
 * {@link FailureKind#DATABASE_UNAVAILABLE}; a stop request ends the run the same way. Not
 * thread-safe: one receive per instance at a time.
 */
public final class WalReceiver {

	/**
	 * Stores one complete, encoded segment durably; returns only once it is stored
	 * (verified), else throws.
	 */
	@FunctionalInterface
	public interface SegmentSink {

		void store(WalArchive.EncodedSegment segment);

	}

	/**
	 * @param flushed the end of the last segment stored and reported to the server
	 */
	public record Result(int segments, long bytes, Lsn flushed) {
	}

	private static final WalArchive.EncodedSegment END = new WalArchive.EncodedSegment(null, new byte[0], "", 0);

	private final long segmentSize;

	private final Duration idleTimeout;

	private final int segmentsInFlight;

	private final BooleanSupplier stopRequested;

	public WalReceiver(long segmentSize, Duration idleTimeout, int segmentsInFlight, BooleanSupplier stopRequested) {
		if (segmentSize <= 0) {
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
	 * @param encoders an encoder for each segment
	 */
	public Result receive(PGReplicationStream stream, Lsn start, Lsn target, LongToIntFunction timelineOf,
			Function<WalSegment, WalArchive.SegmentEncoder> encoders, SegmentSink sink) {
		if (!start.equals(start.segmentStart(this.segmentSize))
				|| !target.equals(target.nextSegmentBoundary(this.segmentSize)) || !start.isBefore(target)) {
			throw new IllegalArgumentException("receive from " + start + " to " + target);
		}
		BlockingQueue<WalArchive.EncodedSegment> queue = new ArrayBlockingQueue<>(this.segmentsInFlight);
		AtomicReference<RuntimeException> failure = new AtomicReference<>();
		int[] stored = { 0 };
		Thread storer = new Thread(() -> {
			try {
				while (true) {
					WalArchive.EncodedSegment next = queue.take();
					if (next == END) {
						return;
					}
					sink.store(next);
					stream.setFlushedLSN(LogSequenceNumber.valueOf(next.segment().end().value()));
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
			WalArchive.SegmentEncoder encoder = encoders.apply(segment(timelineOf, segmentNumber));
			long filled = 0;
			long idleSince = System.nanoTime();
			byte[] copy = new byte[0];
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
					if (data.hasArray()) {
						encoder.write(data.array(), data.arrayOffset() + data.position(), take);
						data.position(data.position() + take);
					}
					else {
						if (copy.length < take) {
							copy = new byte[take];
						}
						data.get(copy, 0, take);
						encoder.write(copy, 0, take);
					}
					filled += take;
					expected += take;
					received += take;
					if (filled == this.segmentSize) {
						WalArchive.EncodedSegment encoded = encoder.finish();
						while (!queue.offer(encoded, 100, TimeUnit.MILLISECONDS)) {
							throwIfFailed(failure);
						}
						filled = 0;
						segmentNumber++;
						if (expected < target.value()) {
							encoder = encoders.apply(segment(timelineOf, segmentNumber));
						}
					}
				}
			}
			while (!queue.offer(END, 100, TimeUnit.MILLISECONDS)) {
				throwIfFailed(failure);
			}
			storer.join();
			throwIfFailed(failure);
			stream.forceUpdateStatus();
			return new Result(stored[0], received, new Lsn(stream.getLastFlushedLSN().asLong()));
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

	private WalSegment segment(LongToIntFunction timelineOf, long number) {
		return new WalSegment(timelineOf.applyAsInt(number), number, this.segmentSize);
	}

	private static void throwIfFailed(AtomicReference<RuntimeException> failure) {
		RuntimeException ex = failure.get();
		if (ex != null) {
			throw ex;
		}
	}

}
