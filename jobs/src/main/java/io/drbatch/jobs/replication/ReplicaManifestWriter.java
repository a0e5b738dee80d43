package io.drbatch.jobs.replication;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

import io.drbatch.manifest.Tier;
import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.backup.BackupLocks;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.ObjectStore;

/**
 * Writes a replicated backup's manifest on the secondary, last, after every object was
 * copied and verified. On a secondary with {@code lock.enabled}, the copied versions and
 * then the manifest are locked first: until the primary manifest's retain-until date
 * where it has one, else for the tier's retention from the backup's creation (daily: the
 * target's {@code lock.days}; weekly, monthly: {@code drbatch.retention.<tier>.days});
 * the manifest records that date (a backup whose retention has already passed is copied
 * unlocked). A secondary that fails here is marked failed like one that fails mid-copy.
 * Thread-safe.
 */
class ReplicaManifestWriter implements ItemWriter<Replica> {

	private static final Logger log = LoggerFactory.getLogger(ReplicaManifestWriter.class);

	private final StoreTargets targets;

	private final Map<String, DrbatchProperties.Target> settings;

	private final DrbatchProperties.Retention retention;

	private final Clock clock;

	ReplicaManifestWriter(StoreTargets targets, DrbatchProperties properties, Clock clock) {
		this.targets = targets;
		this.settings = properties.targets()
			.stream()
			.collect(Collectors.toMap(DrbatchProperties.Target::name, Function.identity()));
		this.retention = properties.retention();
		this.clock = clock;
	}

	@Override
	public void write(Chunk<? extends Replica> chunk) {
		ReplicationLedger ledger = new ReplicationLedger(
				StepSynchronizationManager.getContext().getStepExecution().getJobExecution());
		for (Replica replica : chunk) {
			ObjectStore target = this.targets.get(replica.target());
			DrbatchProperties.Lock lock = this.settings.get(replica.target()).lock();
			BackupManifest backup = replica.backup();
			try {
				Instant until = lock.enabled() ? retainUntil(backup, lock) : null;
				BackupManifest copy = new BackupManifest(backup.formatVersion(), backup.backupId(), backup.database(),
						backup.tier(), backup.createdAt(), backup.source(), backup.dump(), backup.objects(),
						backup.tables(), backup.job(), until);
				String manifestKey = ReplicationPlanReader.manifestKey(backup);
				if (until != null) {
					BackupLocks.lockObjects(target, copy, lock.mode(), until);
				}
				target.put(manifestKey, ManifestJson.write(copy), "application/json");
				if (until != null) {
					BackupLocks.of(target).retain(manifestKey, lock.mode(), until);
				}
				ledger.add(replica.target(), "backups.copied", 1);
				log.info("replication: backup {} of {} is on target '{}'{}", backup.backupId(), backup.database(),
						replica.target(), until != null ? " (locked " + lock.mode() + " until " + until + ")" : "");
			}
			catch (DrbatchException ex) {
				ledger.targetFailed(replica.target(), ex.getMessage());
				log.warn("replication: writing the manifest of {} on target '{}' failed: {}", backup.backupId(),
						replica.target(), ex.getMessage());
			}
		}
	}

	private Instant retainUntil(BackupManifest backup, DrbatchProperties.Lock lock) {
		if (backup.retainUntil() != null) {
			return backup.retainUntil();
		}
		int days = backup.tier() == Tier.DAILY ? lock.days() : this.retention.of(backup.tier()).days();
		Instant from = backup.createdAt() != null ? backup.createdAt() : this.clock.instant();
		Instant until = from.plus(Duration.ofDays(days)).truncatedTo(ChronoUnit.SECONDS);
		return until.isAfter(this.clock.instant()) ? until : null;
	}

}
