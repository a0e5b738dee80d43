package io.drbatch.jobs.basebackup;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.backup.BackupLocks;
import io.drbatch.jobs.backup.StoredObjectCheck;
import io.drbatch.jobs.backup.WalArchiveRun;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.DrbatchVersion;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.Lsn;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;
import io.drbatch.wal.WalSource;

/**
 * The publish step of base-backup: waits, up to {@code pitr.archive-wait}, until the WAL
 * archive holds every segment from the backup's start to its stop segment (archiving them
 * itself while no wal-archive run holds the slot, so a base backup does not depend on the
 * archive's schedule), checks the stored object against the draft, locks it on a locked
 * target, and writes the manifest last. Idempotent: a relaunch checks and writes again.
 */
class PublishBaseBackupTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PublishBaseBackupTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final EncryptionKeys keys;

	private final DrbatchProperties.Lock lock;

	private final Clock clock;

	private final StopSignal stopSignal;

	PublishBaseBackupTasklet(SourceDatabases sources, StoreTargets targets, EncryptionKeys keys,
			DrbatchProperties.Lock lock, Clock clock, StopSignal stopSignal) {
		this.sources = sources;
		this.targets = targets;
		this.keys = keys;
		this.lock = lock;
		this.clock = clock;
		this.stopSignal = stopSignal;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws InterruptedException {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		BaseBackupManifest draft = ManifestJson.read(
				job.getExecutionContext().getString(BaseBackupContext.DRAFT).getBytes(StandardCharsets.UTF_8),
				BaseBackupManifest.class, "the draft manifest");
		ObjectStore store = this.targets.primary();
		awaitArchive(draft, store);
		for (BackupManifest.StoredObject object : draft.objects()) {
			StoredObjectCheck.verify(store, object);
		}
		Instant retainUntil = null;
		if (this.lock.enabled()) {
			retainUntil = this.clock.instant().plus(Duration.ofDays(this.lock.days())).truncatedTo(ChronoUnit.SECONDS);
			for (BackupManifest.StoredObject object : draft.objects()) {
				BackupLocks.of(store).retain(object.key(), this.lock.mode(), retainUntil);
			}
		}
		BaseBackupManifest manifest = draft.published(new BackupManifest.Job(job.getJobInstance().getJobName(),
				job.getJobInstance().getInstanceId(), job.getId(), DrbatchVersion.current()), this.clock.instant(),
				retainUntil);
		String manifestKey = BaseBackupCatalog.manifestKey(draft.database(), draft.backupId());
		store.put(manifestKey, ManifestJson.write(manifest), "application/json");
		if (retainUntil != null) {
			BackupLocks.of(store).retain(manifestKey, this.lock.mode(), retainUntil);
		}
		log.info("base-backup {}: base backup {} published ({}): WAL {} to {}, {} bytes stored", draft.database(),
				draft.backupId(), manifestKey, draft.startLsn(), draft.stopLsn(), manifest.totalStoredBytes());
		return RepeatStatus.FINISHED;
	}

	/**
	 * Waits until the archive holds the backup's WAL, archiving it here while the slot is
	 * free.
	 */
	private void awaitArchive(BaseBackupManifest draft, ObjectStore store) throws InterruptedException {
		DrbatchProperties.Source settings = this.sources.settings(draft.database());
		PgConnectionSpec source = this.sources.resolve(draft.database());
		WalArchive archive = new WalArchive(store, draft.database(), draft.systemIdentifier(), draft.segmentSize(),
				settings.pitr().level(), this.keys.forWriting().orElse(null));
		WalSegment first = WalSegment.parse(draft.startSegment(), draft.segmentSize());
		WalSegment stop = WalSegment.parse(draft.stopSegment(), draft.segmentSize());
		Instant deadline = this.clock.instant().plus(settings.pitr().archiveWait());
		while (true) {
			List<WalSegment> missing = missing(archive, first, stop);
			if (missing.isEmpty()) {
				return;
			}
			if (this.stopSignal.requested()) {
				throw new DrbatchException(FailureKind.STORE_UNAVAILABLE,
						"stop requested while waiting for the archive");
			}
			if (!this.clock.instant().isBefore(deadline)) {
				throw new DrbatchException(FailureKind.STORE_UNAVAILABLE, "the WAL archive of '" + draft.database()
						+ "' still lacks " + missing.get(0)
						+ (missing.size() > 1 ? " and " + (missing.size() - 1) + " more" : "") + " of base backup "
						+ draft.backupId() + " after " + settings.pitr().archiveWait()
						+ " (drbatch.sources[N].pitr.archive-wait): is wal-archive failing? relaunch once it runs");
			}
			boolean slotFree;
			try (WalSource server = new WalSource(source)) {
				slotFree = server.slot(settings.slotName()).map(slot -> !slot.active()).orElse(true);
			}
			if (slotFree) {
				log.info(
						"base-backup {}: archiving the backup's WAL ({} to {}) while no wal-archive run holds the slot",
						draft.database(), first, stop);
				try {
					new WalArchiveRun(this.clock, this.stopSignal::requested).run(source, settings,
							new WalArchiveRun.Destination(store, this.keys.forWriting().orElse(null), this.lock),
							systemIdentifier -> Optional.of(Lsn.parse(draft.startLsn())));
				}
				catch (DrbatchException ex) {
					if (ex.kind() != FailureKind.DATABASE_UNAVAILABLE) {
						throw ex;
					}
					log.info("base-backup {}: archiving here failed ({}); waiting for wal-archive", draft.database(),
							ex.getMessage());
				}
			}
			else {
				Thread.sleep(2_000);
			}
		}
	}

	private static List<WalSegment> missing(WalArchive archive, WalSegment first, WalSegment stop) {
		Set<Long> present = archive.segments()
			.stream()
			.filter(segment -> segment.timeline() == stop.timeline() || segment.number() < stop.number())
			.map(WalSegment::number)
			.collect(Collectors.toSet());
		List<WalSegment> missing = new ArrayList<>();
		for (long number = first.number(); number <= stop.number(); number++) {
			if (!present.contains(number)) {
				missing.add(new WalSegment(stop.timeline(), number, stop.segmentSize()));
			}
		}
		return missing;
	}

}
