package io.drbatch.wal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The continuity of an archived WAL chain: every segment from a starting point to the
 * newest archived one must be there, on the timeline that wrote it (by the newest
 * timeline's history file), so that recovery can replay without a hole. Stateless.
 */
public final class WalChain {

	/**
	 * Segments missing from the chain, {@code first} to {@code last} inclusive; or a
	 * missing history file.
	 */
	public record Gap(WalSegment first, WalSegment last, String problem) {

		public String describe() {
			if (this.problem != null) {
				return this.problem;
			}
			return this.first.equals(this.last) ? "segment " + this.first + " is missing"
					: "segments " + this.first + " to " + this.last + " are missing";
		}

	}

	private WalChain() {
	}

	/**
	 * The gaps from segment number {@code from} to the newest segment in
	 * {@code segments}.
	 * @param histories the archive's history files by timeline
	 */
	public static List<Gap> gaps(List<WalSegment> segments, Map<Integer, TimelineHistory> histories, long from) {
		List<Gap> gaps = new ArrayList<>();
		if (segments.isEmpty()) {
			return gaps;
		}
		long segmentSize = segments.get(0).segmentSize();
		int newestTimeline = segments.stream().mapToInt(WalSegment::timeline).max().orElse(1);
		TimelineHistory history = histories.get(newestTimeline);
		if (newestTimeline > 1 && history == null) {
			gaps.add(new Gap(null, null, "the history file of timeline " + newestTimeline + " ("
					+ TimelineHistory.fileName(newestTimeline) + ") is missing"));
		}
		Set<Long> present = new HashSet<>();
		long newest = Long.MIN_VALUE;
		for (WalSegment segment : segments) {
			int expected = history != null ? history.timelineOfSegment(segment.number(), segmentSize)
					: segment.timeline();
			if (segment.timeline() == expected) {
				present.add(segment.number());
			}
			newest = Math.max(newest, segment.number());
		}
		WalSegment first = null;
		WalSegment last = null;
		for (long number = from; number <= newest; number++) {
			int timeline = history != null ? history.timelineOfSegment(number, segmentSize) : newestTimeline;
			if (!present.contains(number)) {
				WalSegment missing = new WalSegment(timeline, number, segmentSize);
				if (first == null) {
					first = missing;
				}
				last = missing;
			}
			else if (first != null) {
				gaps.add(new Gap(first, last, null));
				first = null;
			}
		}
		if (first != null) {
			gaps.add(new Gap(first, last, null));
		}
		return gaps;
	}

}
