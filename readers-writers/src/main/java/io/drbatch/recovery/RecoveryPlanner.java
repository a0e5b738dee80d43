package io.drbatch.recovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.TimelineHistory;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

/**
 * Decides, from what the bucket holds and before anything is downloaded, how a
 * point-in-time recovery reaches its target: the newest base backup that was consistent
 * before the target, and the WAL segments from that backup's start to the last one the
 * target needs, checked for holes. A target outside the recoverable window is refused
 * naming both ends; a hole is refused naming the missing segment and the largest target
 * that can still be reached. Stateless; reads only the lists it is given.
 */
public final class RecoveryPlanner {

	/**
	 * What can be recovered: from the consistency point of the oldest base backup to the
	 * newest archived WAL ({@code to} is the start of the newest recorded run: everything
	 * committed before it is archived; {@code null} when no run was recorded).
	 */
	public record Window(Instant from, Lsn fromLsn, Instant to, Lsn toLsn) {

		public String describe() {
			return "from " + this.from + " (" + this.fromLsn + ") to "
					+ (this.to != null ? this.to + " (" + this.toLsn + ")" : this.toLsn.toString());
		}

	}

	/**
	 * How a recovery reaches its target.
	 *
	 * @param needed the segments replay must have, from the base backup's start to the
	 * target, with no hole
	 * @param following the archived segments after those, without a hole, that replay may
	 * also ask for (a time target stops at the first commit after it, wherever that is)
	 * @param histories the archive's history files by timeline, as read for the plan (the
	 * recovery hands them to the server)
	 */
	public record Plan(BaseBackupManifest base, RecoveryTarget target, List<WalSegment> needed,
			List<WalSegment> following, Window window, Map<Integer, TimelineHistory> histories) {

		public WalSegment lastNeeded() {
			return this.needed.get(this.needed.size() - 1);
		}

	}

	private RecoveryPlanner() {
	}

	/**
	 * The plan for {@code target} from what {@code store} holds of {@code database}: the
	 * base backups of the system the newest one was taken from, and that system's WAL
	 * archive.
	 */
	public static Plan plan(io.drbatch.store.ObjectStore store, String database, RecoveryTarget target) {
		String where = "'" + database + "' on target '" + store.name() + "'";
		List<BaseBackupManifest> all = new io.drbatch.manifest.BaseBackupCatalog(store).list(database);
		if (all.isEmpty()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"no base backup of " + where + "; run base-backup first (point-in-time recovery starts from one)");
		}
		BaseBackupManifest newest = all.stream().max(Comparator.comparing(BaseBackupManifest::stopTime)).orElseThrow();
		List<BaseBackupManifest> bases = all.stream()
			.filter(base -> base.systemIdentifier().equals(newest.systemIdentifier()))
			.toList();
		WalArchive.Contents contents = archive(store, database, newest).contents();
		return plan(target, bases, contents.segments(), contents.histories(), contents.runs(), where);
	}

	/** The WAL archive {@code base} belongs to, for reading. */
	public static WalArchive archive(io.drbatch.store.ObjectStore store, String database, BaseBackupManifest base) {
		return new WalArchive(store, database, base.systemIdentifier(), base.segmentSize(), 1, null);
	}

	/**
	 * @param bases the source's base backups on one system identifier, any order
	 * @param segments that system's archived segments, in order
	 * @param histories its history files by timeline
	 * @param runs its recorded wal-archive runs, oldest first
	 * @param where the source and the target read, for messages (e.g.
	 * {@code 'shop' on target 'primary'})
	 */
	public static Plan plan(RecoveryTarget target, List<BaseBackupManifest> bases, List<WalSegment> segments,
			Map<Integer, TimelineHistory> histories, List<WalArchive.Run> runs, String where) {
		if (bases.isEmpty()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"no base backup of " + where + "; run base-backup first (point-in-time recovery starts from one)");
		}
		if (segments.isEmpty()) {
			throw new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
					"the WAL archive of " + where + " is empty; run wal-archive first");
		}
		List<BaseBackupManifest> oldestFirst = bases.stream()
			.sorted(Comparator.comparing((BaseBackupManifest b) -> Lsn.parse(b.stopLsn())))
			.toList();
		BaseBackupManifest oldest = oldestFirst.get(0);
		WalSegment newest = segments.get(segments.size() - 1);
		WalArchive.Run newestRun = runs.isEmpty() ? null : runs.get(runs.size() - 1);
		Window window = new Window(oldest.stopTime(), Lsn.parse(oldest.stopLsn()),
				newestRun != null ? newestRun.switchedAt() : null,
				newestRun != null ? newestRun.switchedTo() : newest.end());

		BaseBackupManifest base;
		long lastNumber;
		if (target instanceof RecoveryTarget.AtTime at) {
			if (newestRun == null) {
				throw new DrbatchException(FailureKind.BAD_ARGUMENT, "the WAL archive of " + where
						+ " records no wal-archive run, so no time can be mapped to its WAL; recover with --to-lsn or --latest");
			}
			if (at.time().isBefore(window.from())) {
				throw outside(target, where, window);
			}
			if (at.time().isAfter(window.to())) {
				throw new DrbatchException(FailureKind.BAD_ARGUMENT, outside(target, where, window).getMessage()
						+ "; no wal-archive run after " + window.to()
						+ " archived WAL (a quiet database, or archiving stopped): --latest recovers everything the archive holds");
			}
			base = newestWhere(oldestFirst, b -> !b.stopTime().isAfter(at.time()));
			WalArchive.Run covering = runs.stream()
				.filter(run -> !run.switchedAt().isBefore(at.time()))
				.findFirst()
				.orElse(newestRun);
			lastNumber = covering.switchedTo().plus(-1).segmentNumber(newest.segmentSize());
		}
		else if (target instanceof RecoveryTarget.AtLsn at) {
			if (at.lsn().isBefore(window.fromLsn()) || at.lsn().compareTo(newest.end()) > 0) {
				throw outside(target, where, new Window(window.from(), window.fromLsn(), window.to(), newest.end()));
			}
			base = newestWhere(oldestFirst, b -> Lsn.parse(b.stopLsn()).compareTo(at.lsn()) <= 0);
			// everything before the target position: it ends in the segment holding the
			// byte
			// before it
			lastNumber = Math.min(at.lsn().plus(-1).segmentNumber(newest.segmentSize()), newest.number());
		}
		else {
			base = oldestFirst.get(oldestFirst.size() - 1);
			lastNumber = newest.number();
		}
		long firstNumber = Lsn.parse(base.startLsn()).segmentNumber(newest.segmentSize());
		long consistentNumber = Lsn.parse(base.stopLsn()).plus(-1).segmentNumber(newest.segmentSize());
		lastNumber = Math.max(lastNumber, consistentNumber);

		for (WalChain.Gap gap : WalChain.gaps(segments, histories, firstNumber)) {
			if (gap.problem() != null) {
				throw new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
						"cannot recover " + where + " " + target.describe() + ": " + gap.problem());
			}
			if (gap.first().number() <= lastNumber) {
				throw new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
						"cannot recover " + where + " " + target.describe() + " from base backup " + base.backupId()
								+ ": " + gap.describe() + " from the archive; "
								+ largestReachable(gap.first(), base, runs));
			}
		}
		List<WalSegment> needed = new ArrayList<>();
		List<WalSegment> following = new ArrayList<>();
		long expected = firstNumber;
		for (WalSegment segment : chainOf(segments, histories)) {
			if (segment.number() < firstNumber) {
				continue;
			}
			if (segment.number() != expected) {
				break;
			}
			(segment.number() <= lastNumber ? needed : following).add(segment);
			expected++;
		}
		return new Plan(base, target, List.copyOf(needed), List.copyOf(following), window, Map.copyOf(histories));
	}

	private static BaseBackupManifest newestWhere(List<BaseBackupManifest> oldestFirst,
			java.util.function.Predicate<BaseBackupManifest> usable) {
		BaseBackupManifest chosen = null;
		for (BaseBackupManifest base : oldestFirst) {
			if (usable.test(base)) {
				chosen = base;
			}
		}
		return chosen != null ? chosen : oldestFirst.get(0);
	}

	private static DrbatchException outside(RecoveryTarget target, String where, Window window) {
		return new DrbatchException(FailureKind.BAD_ARGUMENT, "cannot recover " + where + " " + target.describe()
				+ ": it lies outside the recoverable window, " + window.describe());
	}

	/**
	 * The largest target still reachable from {@code base} below a hole at
	 * {@code missing}.
	 */
	private static String largestReachable(WalSegment missing, BaseBackupManifest base, List<WalArchive.Run> runs) {
		Lsn stop = Lsn.parse(base.stopLsn());
		if (missing.start().compareTo(stop) < 0) {
			return "base backup " + base.backupId() + " cannot be made consistent without it (it needs WAL up to "
					+ stop + "); take a new base backup";
		}
		Optional<WalArchive.Run> lastWhole = runs.stream()
			.filter(run -> run.switchedTo().compareTo(missing.start()) <= 0)
			.reduce((first, second) -> second);
		return "the largest recoverable target is --to-lsn " + missing.start() + lastWhole
			.map(run -> " (everything committed before " + run.switchedAt() + ": --to-time " + run.switchedAt() + ")")
			.orElse("") + "; take a new base backup to recover past it";
	}

	/**
	 * The segments of the newest timeline's history: per position, the one on the
	 * timeline that wrote it (a position archived on two timelines keeps the newer
	 * one's).
	 */
	private static List<WalSegment> chainOf(List<WalSegment> segments, Map<Integer, TimelineHistory> histories) {
		int newestTimeline = segments.stream().mapToInt(WalSegment::timeline).max().orElse(1);
		TimelineHistory history = histories.get(newestTimeline);
		List<WalSegment> chain = new ArrayList<>();
		for (WalSegment segment : segments) {
			int expected = history != null ? history.timelineOfSegment(segment.number(), segment.segmentSize())
					: segment.timeline();
			if (segment.timeline() == expected) {
				chain.add(segment);
			}
		}
		chain.sort(Comparator.comparingLong(WalSegment::number));
		return chain;
	}

}
