package io.drbatch.wal;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One WAL segment file of a timeline: {@code number} counts segments of
 * {@code segmentSize} bytes from position 0, and the file name is PostgreSQL's
 * ({@code TTTTTTTTXXXXXXXXYYYYYYYY}: timeline, then the segment number split into "log"
 * and "seg" parts, each eight hexadecimal digits, the split depending on the segment
 * size). Immutable.
 */
public record WalSegment(int timeline, long number, long segmentSize) implements Comparable<WalSegment> {

	private static final Pattern NAME = Pattern.compile("([0-9A-F]{8})([0-9A-F]{8})([0-9A-F]{8})");

	/** The segment holding {@code position} on {@code timeline}. */
	public static WalSegment containing(int timeline, Lsn position, long segmentSize) {
		return new WalSegment(timeline, position.segmentNumber(segmentSize), segmentSize);
	}

	/** Parses a segment file name; {@code null} when {@code name} is not one. */
	public static WalSegment parse(String name, long segmentSize) {
		Matcher matcher = NAME.matcher(name);
		if (!matcher.matches()) {
			return null;
		}
		long perLog = segmentsPerLog(segmentSize);
		long log = Long.parseLong(matcher.group(2), 16);
		long seg = Long.parseLong(matcher.group(3), 16);
		if (seg >= perLog) {
			return null;
		}
		return new WalSegment(Integer.parseUnsignedInt(matcher.group(1), 16), log * perLog + seg, segmentSize);
	}

	/**
	 * How many segments one 4 GiB "log file" holds: the split of the number in segment
	 * file names.
	 */
	static long segmentsPerLog(long segmentSize) {
		return 0x100000000L / segmentSize;
	}

	/** The file name, e.g. {@code 000000010000000000000003}. */
	public String name() {
		long perLog = segmentsPerLog(this.segmentSize);
		return String.format(Locale.ROOT, "%08X%08X%08X", this.timeline, this.number / perLog, this.number % perLog);
	}

	public Lsn start() {
		return new Lsn(this.number * this.segmentSize);
	}

	/** The first position after this segment. */
	public Lsn end() {
		return new Lsn((this.number + 1) * this.segmentSize);
	}

	public WalSegment next() {
		return new WalSegment(this.timeline, this.number + 1, this.segmentSize);
	}

	/** The same segment number on {@code newTimeline}. */
	public WalSegment onTimeline(int newTimeline) {
		return new WalSegment(newTimeline, this.number, this.segmentSize);
	}

	@Override
	public int compareTo(WalSegment other) {
		int byNumber = Long.compare(this.number, other.number);
		return byNumber != 0 ? byNumber : Integer.compare(this.timeline, other.timeline);
	}

	@Override
	public String toString() {
		return name();
	}

}
