package io.drbatch.wal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * A timeline's history file ({@code 00000002.history}): for every ancestor timeline,
 * where the server switched away from it. A position belongs to the first timeline in the
 * list whose switch point lies after it, else to this timeline. Immutable.
 */
public record TimelineHistory(int timeline, List<Switch> switches, String text) {

	/** {@code parent} ended at {@code at}, where its child began. */
	public record Switch(int parent, Lsn at) {
	}

	public TimelineHistory {
		switches = List.copyOf(switches);
	}

	/**
	 * Parses the file's text: lines
	 * {@code <parent tli> <tab> <switch lsn> <tab> <reason>}; comments and blanks
	 * skipped.
	 */
	public static TimelineHistory parse(int timeline, String text) {
		List<Switch> switches = new ArrayList<>();
		for (String line : text.split("\n")) {
			String trimmed = line.strip();
			if (trimmed.isEmpty() || trimmed.startsWith("#")) {
				continue;
			}
			String[] fields = trimmed.split("\\s+");
			if (fields.length < 2) {
				throw new DrbatchException(FailureKind.INTEGRITY,
						"history of timeline " + timeline + " has a line that is not '<timeline> <lsn>': " + trimmed);
			}
			try {
				switches.add(new Switch(Integer.parseInt(fields[0]), Lsn.parse(fields[1])));
			}
			catch (NumberFormatException ex) {
				throw new DrbatchException(FailureKind.INTEGRITY,
						"history of timeline " + timeline + " has a line that is not '<timeline> <lsn>': " + trimmed);
			}
		}
		return new TimelineHistory(timeline, switches, text);
	}

	/** The history file's name, e.g. {@code 00000002.history}. */
	public static String fileName(int timeline) {
		return String.format(Locale.ROOT, "%08X.history", timeline);
	}

	/** The timeline that wrote {@code position}, per this history. */
	public int timelineOf(Lsn position) {
		for (Switch change : this.switches) {
			if (position.isBefore(change.at())) {
				return change.parent();
			}
		}
		return this.timeline;
	}

	/**
	 * The timeline whose file holds {@code segment}'s number: the one that wrote the
	 * segment's last byte (a segment holding a switch point belongs to the new timeline,
	 * as PostgreSQL names it).
	 */
	public int timelineOfSegment(long number, long segmentSize) {
		return timelineOf(new Lsn((number + 1) * segmentSize - 1));
	}

}
