package io.drbatch.recovery;

import java.time.Instant;

import io.drbatch.wal.Lsn;

/**
 * Where a point-in-time recovery stops: at a time (every transaction committed at or
 * before it, none after), at a WAL position, or at the end of the archive. Immutable.
 */
public sealed interface RecoveryTarget {

	/** What the operator asked for, as the CLI spells it. */
	String describe();

	/** Every transaction committed at or before {@code time}. */
	record AtTime(Instant time) implements RecoveryTarget {

		@Override
		public String describe() {
			return "--to-time " + this.time;
		}

	}

	/** Replay up to the first record at or after {@code lsn}. */
	record AtLsn(Lsn lsn) implements RecoveryTarget {

		@Override
		public String describe() {
			return "--to-lsn " + this.lsn;
		}

	}

	/** Everything the archive holds. */
	record Latest() implements RecoveryTarget {

		@Override
		public String describe() {
			return "--latest";
		}

	}

	/**
	 * Parses the job parameter form: {@code latest}, {@code lsn:0/3000060} or
	 * {@code time:2026-12-02T10:00:00Z}.
	 */
	static RecoveryTarget parse(String text) {
		if (text == null || text.isBlank() || text.equals("latest")) {
			return new Latest();
		}
		if (text.startsWith("lsn:")) {
			return new AtLsn(Lsn.parse(text.substring(4)));
		}
		if (text.startsWith("time:")) {
			return new AtTime(Instant.parse(text.substring(5)));
		}
		throw new IllegalArgumentException("'" + text + "' is not latest, lsn:<lsn> or time:<ISO-8601 time>");
	}

	/** The job parameter form {@link #parse} reads. */
	static String format(RecoveryTarget target) {
		if (target instanceof AtTime time) {
			return "time:" + time.time();
		}
		if (target instanceof AtLsn lsn) {
			return "lsn:" + lsn.lsn();
		}
		return "latest";
	}

}
