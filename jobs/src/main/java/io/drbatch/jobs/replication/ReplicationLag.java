package io.drbatch.jobs.replication;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.drbatch.failure.DrbatchException;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * How far one secondary target is behind the primary, read from the manifests on both (a
 * manifest on a secondary is written only after its objects were copied and verified, so
 * it marks a verified copy).
 *
 * @param status {@code UP-TO-DATE}, {@code BEHIND} (some primary backup has no copy
 * there) or {@code DOWN} (the target cannot be read)
 * @param lag per database, the time between the newest primary backup and the newest
 * verified copy, the largest of them; {@code null} when a database has no copy at all, or
 * the target is down
 * @param bytesBehind stored bytes of the primary backups that have no copy there
 * @param backupsBehind how many primary backups have no copy there
 * @param problem why the target is down, else {@code null}
 */
public record ReplicationLag(String target, String status, Duration lag, long bytesBehind, int backupsBehind,
		Optional<Instant> newestCopy, String problem) {

	public static final String UP_TO_DATE = "UP-TO-DATE";

	public static final String BEHIND = "BEHIND";

	public static final String DOWN = "DOWN";

	/**
	 * The job execution context keys under which a replication run records what it
	 * measured of {@code target}: {@code status}, {@code lag.seconds} ({@code -1} for no
	 * copy of some database), {@code backups.behind}.
	 */
	public static String recordedKey(String target, String what) {
		return ReplicationLedger.key(target, what);
	}

	/**
	 * The lag of {@code target} behind {@code primaryBackups} (every backup on the
	 * primary).
	 */
	public static ReplicationLag measure(List<BackupManifest> primaryBackups, ObjectStore target) {
		List<BackupManifest> copies;
		try {
			copies = new BackupCatalog(target).list(null);
		}
		catch (DrbatchException ex) {
			return new ReplicationLag(target.name(), DOWN, null, total(primaryBackups), primaryBackups.size(),
					Optional.empty(), ex.getMessage());
		}
		Set<String> copied = copies.stream().map(ReplicationPlanReader::manifestKey).collect(Collectors.toSet());
		List<BackupManifest> missing = primaryBackups.stream()
			.filter(backup -> !copied.contains(ReplicationPlanReader.manifestKey(backup)))
			.toList();
		Map<String, Instant> newestCopy = copies.stream()
			.collect(Collectors.toMap(BackupManifest::database, ReplicationLag::snapshot,
					(a, b) -> a.isAfter(b) ? a : b));
		Map<String, Instant> newestPrimary = primaryBackups.stream()
			.collect(Collectors.toMap(BackupManifest::database, ReplicationLag::snapshot,
					(a, b) -> a.isAfter(b) ? a : b));
		Duration lag = Duration.ZERO;
		for (Map.Entry<String, Instant> entry : newestPrimary.entrySet()) {
			Instant copy = newestCopy.get(entry.getKey());
			if (copy == null) {
				lag = null;
				break;
			}
			Duration behind = Duration.between(copy, entry.getValue());
			if (behind.compareTo(lag) > 0) {
				lag = behind;
			}
		}
		return new ReplicationLag(target.name(), missing.isEmpty() ? UP_TO_DATE : BEHIND, lag, total(missing),
				missing.size(), copies.stream().map(ReplicationLag::snapshot).max(Comparator.naturalOrder()), null);
	}

	/** Lags of several targets, in the given order. */
	public static List<ReplicationLag> measure(List<BackupManifest> primaryBackups, List<ObjectStore> targets) {
		List<ReplicationLag> lags = new ArrayList<>();
		targets.forEach(target -> lags.add(measure(primaryBackups, target)));
		return lags;
	}

	/**
	 * One line for people, e.g. {@code BEHIND: 2 backup(s), 31.4 MB behind, lag 1d 2h}.
	 */
	public String describe() {
		if (DOWN.equals(this.status)) {
			return DOWN + ": " + this.problem;
		}
		String lagText = this.lag == null ? "no copy of some database yet" : "lag " + human(this.lag);
		if (UP_TO_DATE.equals(this.status)) {
			return UP_TO_DATE + " (" + lagText + ")";
		}
		return BEHIND + ": " + this.backupsBehind + " backup(s), " + this.bytesBehind + " bytes behind, " + lagText;
	}

	private static String human(Duration duration) {
		long seconds = duration.toSeconds();
		if (seconds < 120) {
			return seconds + "s";
		}
		if (seconds < 7200) {
			return (seconds / 60) + "m";
		}
		if (seconds < 172800) {
			return (seconds / 3600) + "h" + ((seconds % 3600) / 60) + "m";
		}
		return (seconds / 86400) + "d" + ((seconds % 86400) / 3600) + "h";
	}

	private static Instant snapshot(BackupManifest backup) {
		return backup.source().snapshotTime();
	}

	private static long total(List<BackupManifest> backups) {
		return backups.stream().mapToLong(BackupManifest::totalStoredBytes).sum();
	}

}
