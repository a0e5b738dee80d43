package io.drbatch.wal;

import java.util.Locale;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * A position in the write-ahead log (a PostgreSQL {@code pg_lsn}), written as PostgreSQL
 * writes it: two hexadecimal halves, {@code 16/B374D848}. Ordered as unsigned 64-bit
 * numbers (positions never reach the sign bit in practice). Immutable.
 */
public record Lsn(long value) implements Comparable<Lsn> {

	public static final Lsn ZERO = new Lsn(0);

	/** Parses {@code X/Y}; anything else fails naming what it read. */
	public static Lsn parse(String text) {
		int slash = text == null ? -1 : text.indexOf('/');
		if (slash <= 0 || slash == text.length() - 1) {
			throw new DrbatchException(FailureKind.INTEGRITY, "'" + text + "' is not a WAL position (X/Y)");
		}
		try {
			long high = Long.parseLong(text.substring(0, slash), 16);
			long low = Long.parseLong(text.substring(slash + 1), 16);
			if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
				throw new NumberFormatException(text);
			}
			return new Lsn((high << 32) | low);
		}
		catch (NumberFormatException ex) {
			throw new DrbatchException(FailureKind.INTEGRITY, "'" + text + "' is not a WAL position (X/Y)");
		}
	}

	/** The segment this position falls in. */
	public long segmentNumber(long segmentSize) {
		return Long.divideUnsigned(this.value, segmentSize);
	}

	/** The start of the segment this position falls in. */
	public Lsn segmentStart(long segmentSize) {
		return new Lsn(segmentNumber(segmentSize) * segmentSize);
	}

	/** This position when it starts a segment, else the start of the next segment. */
	public Lsn nextSegmentBoundary(long segmentSize) {
		long start = segmentNumber(segmentSize) * segmentSize;
		return start == this.value ? this : new Lsn(start + segmentSize);
	}

	public Lsn plus(long bytes) {
		return new Lsn(this.value + bytes);
	}

	/** Bytes from {@code earlier} to this position (negative when it is later). */
	public long minus(Lsn earlier) {
		return this.value - earlier.value;
	}

	@Override
	public int compareTo(Lsn other) {
		return Long.compareUnsigned(this.value, other.value);
	}

	public boolean isBefore(Lsn other) {
		return compareTo(other) < 0;
	}

	@Override
	public String toString() {
		return String.format(Locale.ROOT, "%X/%X", this.value >>> 32, this.value & 0xFFFFFFFFL);
	}

}
