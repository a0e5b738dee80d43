package io.drbatch.jobs.dailydump;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.runcontrol.DrbatchVersion;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.backup.BackupLocks;
import io.drbatch.jobs.backup.StoredObjectCheck;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.BucketProtection;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Verifies every object of the drafted backup as the store now reports it (size, and the
 * store's SHA-256 checksum, or the SHA-256 of the bytes read back where the store reports
 * none), then writes {@code manifest.json}: the commit point of the backup. On a target
 * with Object Lock enabled, every object version is locked (mode and days from
 * {@code drbatch.targets[0].lock}) before the manifest is written, the manifest records
 * the retain-until date, and the manifest's own version is locked too. Idempotent: a
 * relaunch finding the manifest of this backup already written checks it, locks it if the
 * crash came before that, and completes.
 */
class PublishTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PublishTasklet.class);

	private final StoreTargets targets;

	private final DrbatchProperties.Lock lock;

	private final Clock clock;

	PublishTasklet(StoreTargets targets, DrbatchProperties.Lock lock, Clock clock) {
		this.targets = targets;
		this.lock = lock;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		BackupManifest draft = ManifestJson.read(context.getString(DailyDumpContext.MANIFEST_DRAFT),
				BackupManifest.class);
		ObjectStore store = this.targets.primary();
		for (BackupManifest.StoredObject object : draft.objects()) {
			StoredObjectCheck.verify(store, object);
		}
		String manifestKey = BackupLayout.manifestKey(draft.tier(), draft.database(), draft.backupId());
		Optional<ObjectInfo> existing = store.head(manifestKey);
		BackupManifest manifest;
		if (existing.isPresent()) {
			manifest = new BackupCatalog(store).read(manifestKey);
			if (!manifest.objects().equals(draft.objects())) {
				throw new DrbatchException(FailureKind.INTEGRITY,
						"manifest " + manifestKey + " already exists and describes other objects");
			}
		}
		else {
			Instant retainUntil = null;
			if (this.lock.enabled()) {
				retainUntil = this.clock.instant()
					.plus(Duration.ofDays(this.lock.days()))
					.truncatedTo(ChronoUnit.SECONDS);
				BackupLocks.lockObjects(store, draft, this.lock.mode(), retainUntil);
			}
			manifest = new BackupManifest(draft.formatVersion(), draft.backupId(), draft.database(), draft.tier(),
					this.clock.instant(), draft.source(), draft.dump(), draft.objects(), draft.tables(),
					new BackupManifest.Job(job.getJobInstance().getJobName(), job.getJobInstance().getInstanceId(),
							job.getId(), DrbatchVersion.current()),
					retainUntil);
			store.put(manifestKey, ManifestJson.write(manifest), "application/json");
		}
		if (this.lock.enabled() && manifest.retainUntil() != null) {
			BucketProtection.Retention retention = BackupLocks.of(store)
				.retain(manifestKey, this.lock.mode(), manifest.retainUntil());
			log.info("Backup {} locked ({}) until {} on target '{}'", manifest.backupId(), retention.mode(),
					retention.retainUntil(), store.name());
		}
		context.putString(DailyDumpContext.MANIFEST_KEY, manifestKey);
		BackupManifest.Dump dump = manifest.dump();
		long stored = manifest.totalStoredBytes();
		log.info(
				"daily-dump {}: backup {} on target '{}' {}: {} tables, {} MB dumped -> {} MB stored ({} x{}, ratio {}) "
						+ "in {} s, snapshot {}",
				manifest.database(), manifest.backupId(), store.name(), store.location(), manifest.tables().size(),
				mb(dump.uncompressedBytes()), mb(stored), dump.compression(), dump.compressionLevel(),
				String.format("%.1f", stored == 0 ? 0.0 : (double) dump.uncompressedBytes() / stored),
				String.format("%.1f", dump.durationMillis() / 1000.0), manifest.source().snapshotTime());
		return RepeatStatus.FINISHED;
	}

	private static String mb(long bytes) {
		return String.format("%.1f", bytes / 1_000_000.0);
	}

}
