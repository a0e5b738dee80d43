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

	/**
	 * Replay up to the first record that starts at or after {@code lsn}: that record
	 * included when {@code inclusive} (PostgreSQL's default, and {@code --to-lsn}'s), or
	 * not: then exactly the records that start before {@code lsn} are replayed, which is
	 * what a logical slot's consistent point asks for.
	 */
	record AtLsn(Lsn lsn, boolean inclusive) implements RecoveryTarget {

		public AtLsn(Lsn lsn) {
			this(lsn, true);
		}

		@Override
		public String describe() {
			return this.inclusive ? "--to-lsn " + this.lsn : "up to WAL position " + this.lsn + " (exclusive)";
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
	 * Parses the job parameter form: {@code latest}, {@code lsn:0/3000060},
	 * {@code before-lsn:0/3000060} (exclusive) or {@code time:2026-12-02T10:00:00Z}.
	 */
	public static RecoveryTarget parse(String text) {
		if (text == null || text.isBlank() || text.equals("latest")) {
			return new Latest();
		}
		if (text.startsWith("lsn:")) {
			return new AtLsn(Lsn.parse(text.substring(4)));
		}
		if (text.startsWith("before-lsn:")) {
			return new AtLsn(Lsn.parse(text.substring(11)), false);
		}
		if (text.startsWith("time:")) {
			return new AtTime(Instant.parse(text.substring(5)));
		}
		throw new IllegalArgumentException("'" + text + "' is not latest, lsn:<lsn> or time:<ISO-8601 time>");
	}

	/** The job parameter form {@link #parse} reads. */
	public static String format(RecoveryTarget target) {
		if (target instanceof AtTime time) {
			return "time:" + time.time();
		}
		if (target instanceof AtLsn lsn) {
			return (lsn.inclusive() ? "lsn:" : "before-lsn:") + lsn.lsn();
		}
		return "latest";
	}

}
