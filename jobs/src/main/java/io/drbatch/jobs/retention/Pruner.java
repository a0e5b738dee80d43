package io.drbatch.jobs.retention;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Deletes expired backups on one target, per database and tier: a backup whose snapshot
 * is older than the tier's {@code days} before {@code retention.date} goes, unless it is
 * among the tier's newest {@code min-count} (at least one: the newest backup of a tier is
 * never deleted, even when everything has expired). A backup any of whose versions is
 * still under Object Lock is left whole and reported "retained by lock until
 * &lt;date&gt;" (deleting its manifest alone would orphan its data); a later run deletes
 * it once the lock has passed. Otherwise the manifest goes first, so that a half-deleted
 * backup is never listed as a backup, then every version of its objects and of the
 * manifest. A delete the store refuses anyway (403 AccessDenied: a lock the store did not
 * report) is read the same way, reported, and the job goes on. With {@code dry-run=true}
 * the report lists what would go and nothing is deleted. What an interrupted deletion
 * left (objects of an expired backup whose manifest was already deleted) is found by its
 * folder and deleted too. Every deletion and every refusal is in the report (log and step
 * execution context). Idempotent: a relaunch finds the deleted backups gone (their
 * manifests first) and continues with the rest.
 */
final class Pruner {

	private final DrbatchProperties.Retention retention;

	private final Clock clock;

	private final LockAwareDeletion deletion;

	Pruner(DrbatchProperties.Retention retention, Clock clock) {
		this.retention = retention;
		this.clock = clock;
		this.deletion = new LockAwareDeletion(clock);
	}

	/**
	 * The backups of one tier that go: {@code backups} newest first, {@code now} the end
	 * of the retention date. Never the newest {@code min-count} (at least one), never one
	 * whose snapshot is within {@code days}.
	 */
	static List<BackupManifest> expired(List<BackupManifest> backups, DrbatchProperties.Keep keep, Instant now) {
		Instant cutoff = now.minus(Duration.ofDays(keep.days()));
		int kept = Math.max(1, keep.minCount());
		List<BackupManifest> expired = new ArrayList<>();
		for (int i = kept; i < backups.size(); i++) {
			if (backups.get(i).source().snapshotTime().isBefore(cutoff)) {
				expired.add(backups.get(i));
			}
		}
		return expired;
	}

	/**
	 * Prunes every tier of {@code databases} on {@code store} as of {@code date}; returns
	 * the report's lines.
	 * @param onDeleted called once per backup deleted
	 */
	List<String> prune(ObjectStore store, List<String> databases, LocalDate date, boolean dryRun, Runnable onDeleted) {
		Instant now = date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
		BackupCatalog catalog = new BackupCatalog(store);
		List<String> report = new ArrayList<>();
		for (String database : databases) {
			List<BackupManifest> all = catalog.list(database);
			for (Tier tier : Tier.values()) {
				DrbatchProperties.Keep keep = this.retention.of(tier);
				List<BackupManifest> backups = all.stream().filter(m -> m.tier() == tier).toList();
				for (BackupManifest backup : expired(backups, keep, now)) {
					String where = store.name() + " " + tier.id() + "/" + database + "/" + backup.backupId();
					if (dryRun) {
						report.add("would delete " + where + " (snapshot " + backup.source().snapshotTime() + ")");
						continue;
					}
					report.addAll(delete(store, backup, where));
					onDeleted.run();
				}
				report.addAll(sweepLeftovers(store, store.name(), database, tier,
						now.minus(Duration.ofDays(keep.days())), dryRun));
			}
		}
		return report;
	}

	private List<String> delete(ObjectStore store, BackupManifest backup, String where) {
		String manifestKey = BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
		List<String> keys = new ArrayList<>(List.of(manifestKey));
		backup.objects().forEach(object -> keys.add(object.key()));
		return deleteKeys(store, keys, where);
	}

	/**
	 * Removes what an interrupted deletion left: objects in a folder of {@code tier}
	 * whose manifest is gone (the manifest is deleted first), when the folder's backup id
	 * says the backup is older than the tier's cutoff and more than a day old (a backup
	 * being written has its objects before its manifest, and is never that old).
	 */
	private List<String> sweepLeftovers(ObjectStore store, String targetName, String database, Tier tier,
			Instant cutoff, boolean dryRun) {
		Map<String, List<String>> folders = new TreeMap<>();
		for (ObjectInfo object : store.list(tier.id() + "/" + database + "/")) {
			String[] parts = object.key().split("/");
			if (parts.length == 4) {
				folders.computeIfAbsent(parts[2], id -> new ArrayList<>()).add(object.key());
			}
		}
		Instant dayAgo = this.clock.instant().minus(Duration.ofDays(1));
		List<String> lines = new ArrayList<>();
		for (Map.Entry<String, List<String>> folder : folders.entrySet()) {
			if (folder.getValue().stream().anyMatch(key -> key.endsWith("/" + BackupLayout.MANIFEST))) {
				continue;
			}
			Instant taken;
			try {
				taken = java.time.LocalDateTime.parse(folder.getKey(), BackupLayout.BACKUP_ID)
					.toInstant(ZoneOffset.UTC);
			}
			catch (java.time.DateTimeException ex) {
				continue;
			}
			if (!taken.isBefore(cutoff) || !taken.isBefore(dayAgo)) {
				continue;
			}
			String where = targetName + " " + tier + "/" + database + "/" + folder.getKey()
					+ " (no manifest: left by an interrupted deletion)";
			if (dryRun) {
				lines.add("would delete " + where);
				continue;
			}
			lines.addAll(deleteKeys(store, folder.getValue(), where));
		}
		return lines;
	}

	private List<String> deleteKeys(ObjectStore store, List<String> keys, String where) {
		return this.deletion.delete(store, keys, where);
	}

}
