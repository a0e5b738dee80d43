package io.drbatch.jobs.retention;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.Tier;
import io.drbatch.store.BucketProtection;
import io.drbatch.store.ObjectStore;

/**
 * Deletes expired backups on every target, per database and tier: a backup whose snapshot is older than the
 * tier's {@code days} before {@code retention.date} goes, unless it is among the tier's newest
 * {@code min-count} (at least one: the newest backup of a tier is never deleted, even when everything has
 * expired). A backup any of whose versions is still under Object Lock is left whole and reported "retained by
 * lock until &lt;date&gt;" (deleting its manifest alone would orphan its data); a later run deletes it once the
 * lock has passed. Otherwise the manifest goes first, so that a half-deleted backup is never listed as a
 * backup, then every version of its objects and of the manifest. A delete the store refuses anyway (403
 * AccessDenied: a lock the store did not report) is read the same way, reported, and the job goes on. With {@code dry-run=true} the report lists what would go and
 * nothing is deleted. What an interrupted deletion left (objects of an expired backup whose manifest was already
 * deleted) is found by its folder and deleted too. Every deletion and every refusal is in the report (log and step execution context).
 * Idempotent: a relaunch finds the deleted backups gone (their manifests first) and continues with the rest.
 */
class PruneTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PruneTasklet.class);

	static final String REPORT = "drbatch.retention.report";

	private final DrbatchProperties.Retention retention;

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final java.time.Clock clock;

	PruneTasklet(DrbatchProperties.Retention retention, SourceDatabases sources, StoreTargets targets,
			java.time.Clock clock) {
		this.retention = retention;
		this.sources = sources;
		this.targets = targets;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobParameters parameters = chunkContext.getStepContext().getStepExecution().getJobParameters();
		LocalDate date = LocalDate.parse(parameters.getString("retention.date"));
		boolean dryRun = Boolean.parseBoolean(parameters.getString("dry-run"));
		Instant now = date.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
		List<String> report = new ArrayList<>();
		for (String targetName : this.targets.names()) {
			ObjectStore store = this.targets.get(targetName);
			BackupCatalog catalog = new BackupCatalog(store);
			for (String database : this.sources.names()) {
				List<BackupManifest> all = catalog.list(database);
				for (Tier tier : Tier.values()) {
					DrbatchProperties.Keep settings = this.retention.of(tier);
					List<BackupManifest> backups = all.stream().filter(m -> m.tier() == tier).toList();
					Instant cutoff = now.minus(java.time.Duration.ofDays(settings.days()));
					int keep = Math.max(1, settings.minCount());
					for (int i = 0; i < backups.size(); i++) {
						BackupManifest backup = backups.get(i);
						String where = targetName + " " + tier + "/" + database + "/" + backup.backupId();
						if (i < keep || !backup.source().snapshotTime().isBefore(cutoff)) {
							continue;
						}
						if (dryRun) {
							report.add("would delete " + where + " (snapshot " + backup.source().snapshotTime() + ")");
							continue;
						}
						report.addAll(delete(store, backup, where));
						contribution.incrementWriteCount(1);
					}
					report.addAll(sweepLeftovers(store, targetName, database, tier, cutoff, dryRun));
				}
			}
		}
		if (report.isEmpty()) {
			report.add("nothing expired");
		}
		report.forEach(line -> log.info("retention{}: {}", dryRun ? " (dry run)" : "", line));
		chunkContext.getStepContext().getStepExecution().getExecutionContext().putString(REPORT, String.join("\n", report));
		return RepeatStatus.FINISHED;
	}

	private List<String> delete(ObjectStore store, BackupManifest backup, String where) {
		String manifestKey = BackupLayout.manifestKey(backup.tier(), backup.database(), backup.backupId());
		List<String> keys = new ArrayList<>(List.of(manifestKey));
		backup.objects().forEach(object -> keys.add(object.key()));
		return deleteKeys(store, keys, where);
	}

	/**
	 * Removes what an interrupted deletion left: objects in a folder of {@code tier} whose manifest is gone (the
	 * manifest is deleted first), when the folder's backup id says the backup is older than the tier's cutoff and
	 * more than a day old (a backup being written has its objects before its manifest, and is never that old).
	 */
	private List<String> sweepLeftovers(ObjectStore store, String targetName, String database, Tier tier,
			Instant cutoff, boolean dryRun) {
		java.util.Map<String, List<String>> folders = new java.util.TreeMap<>();
		for (io.drbatch.store.ObjectInfo object : store.list(tier.id() + "/" + database + "/")) {
			String[] parts = object.key().split("/");
			if (parts.length == 4) {
				folders.computeIfAbsent(parts[2], id -> new ArrayList<>()).add(object.key());
			}
		}
		Instant dayAgo = this.clock.instant().minus(java.time.Duration.ofDays(1));
		List<String> lines = new ArrayList<>();
		for (java.util.Map.Entry<String, List<String>> folder : folders.entrySet()) {
			if (folder.getValue().stream().anyMatch(key -> key.endsWith("/" + BackupLayout.MANIFEST))) {
				continue;
			}
			Instant taken;
			try {
				taken = java.time.LocalDateTime.parse(folder.getKey(), BackupLayout.BACKUP_ID).toInstant(ZoneOffset.UTC);
			}
			catch (java.time.DateTimeException ex) {
				continue;
			}
			if (!taken.isBefore(cutoff) || !taken.isBefore(dayAgo)) {
				continue;
			}
			String where = targetName + " " + tier + "/" + database + "/" + folder.getKey() + " (no manifest: left by an interrupted deletion)";
			if (dryRun) {
				lines.add("would delete " + where);
				continue;
			}
			lines.addAll(deleteKeys(store, folder.getValue(), where));
		}
		return lines;
	}

	private List<String> deleteKeys(ObjectStore store, List<String> keys, String where) {
		List<String> lines = new ArrayList<>();
		List<String> retained = new ArrayList<>();
		if (store.protection().isEmpty()) {
			keys.forEach(store::delete);
			lines.add("deleted " + where);
			return lines;
		}
		BucketProtection protection = store.protection().get();
		Instant lockedUntil = null;
		for (String key : keys) {
			for (BucketProtection.Version version : protection.versions(key)) {
				if (version.deleteMarker()) {
					continue;
				}
				Optional<BucketProtection.Retention> lock = protection.retention(key, version.versionId());
				if (lock.isPresent() && lock.get().retainUntil() != null
						&& lock.get().retainUntil().isAfter(this.clock.instant())
						&& (lockedUntil == null || lock.get().retainUntil().isAfter(lockedUntil))) {
					lockedUntil = lock.get().retainUntil();
				}
			}
		}
		if (lockedUntil != null) {
			lines.add("kept " + where + ": retained by lock until " + lockedUntil);
			return lines;
		}
		int deleted = 0;
		for (String key : keys) {
			List<BucketProtection.Version> versions = protection.versions(key);
			if (versions.isEmpty()) {
				continue;
			}
			for (BucketProtection.Version version : versions) {
				try {
					protection.deleteVersion(key, version.versionId());
					deleted++;
				}
				catch (DrbatchException ex) {
					if (ex.kind() != FailureKind.STORE_ACCESS_DENIED) {
						throw ex;
					}
					Optional<BucketProtection.Retention> lock = Optional.empty();
					try {
						lock = protection.retention(key, version.versionId());
					}
					catch (RuntimeException unreadable) {
						// the refusal itself is what matters; its date is a courtesy
					}
					retained.add(key + " version " + version.versionId() + " retained by lock"
							+ lock.map(r -> " until " + r.retainUntil()).orElse(" (the store refused the delete)"));
				}
			}
		}
		if (retained.isEmpty()) {
			lines.add("deleted " + where + " (manifest first, then every version)");
		}
		else if (deleted == 0) {
			lines.add("kept " + where + ": " + String.join("; ", retained));
		}
		else {
			lines.add("deleted what the lock allows of " + where + "; " + String.join("; ", retained));
		}
		return lines;
	}

}
