package io.drbatch.jobs.replication;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.backup.BackupLocks;
import io.drbatch.jobs.backup.StoredObjectCheck;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.CrossStoreCopy;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.WalArchive;

/**
 * The point-in-time recovery part of a replication run: for every source with
 * {@code pitr.enabled}, copies to each secondary the base backups it lacks (data streamed
 * and verified by {@link CrossStoreCopy}, manifest last) and every WAL object it lacks or
 * holds with another size (segments and history files, each read whole, put, verified;
 * the chain's {@code archive.json} last), locked on a locked secondary. The RPO of a lost
 * region is therefore the wal-archive cadence plus the replication cadence. A secondary
 * that fails is recorded failed (the status step reports it behind); what was not copied
 * counts in its {@code wal.behind}. Idempotent: a run copies only what is missing.
 */
class PitrReplicationTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrReplicationTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties properties;

	private final CrossStoreCopy copier;

	private final Clock clock;

	PitrReplicationTasklet(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.copier = new CrossStoreCopy(properties.dump().partsInFlight());
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ReplicationLedger ledger = new ReplicationLedger(job);
		ObjectStore primary = this.targets.primary();
		for (String name : ReplicationPlanReader.secondaries(this.targets,
				job.getJobParameters().getString("target"))) {
			if (ledger.targetFailure(name) != null) {
				continue;
			}
			ObjectStore secondary = this.targets.get(name);
			DrbatchProperties.Lock lock = lockOf(name);
			for (String database : this.sources.pitrNames()) {
				try {
					copyBaseBackups(primary, secondary, database, lock, ledger);
					copyWal(primary, secondary, database, lock, ledger);
				}
				catch (DrbatchException ex) {
					ledger.targetFailed(name, ex.getMessage());
					log.warn("replication: point-in-time recovery of '{}' to target '{}' failed: {}", database, name,
							ex.getMessage());
					break;
				}
			}
		}
		return RepeatStatus.FINISHED;
	}

	private DrbatchProperties.Lock lockOf(String target) {
		return this.properties.targets().stream().filter(t -> t.name().equals(target)).findFirst().orElseThrow().lock();
	}

	private void copyBaseBackups(ObjectStore primary, ObjectStore secondary, String database,
			DrbatchProperties.Lock lock, ReplicationLedger ledger) {
		for (BaseBackupManifest backup : new BaseBackupCatalog(primary).list(database)) {
			String manifestKey = BaseBackupCatalog.manifestKey(database, backup.backupId());
			boolean verified = secondary.head(manifestKey).isPresent() && backup.objects()
				.stream()
				.allMatch(
						object -> StoredObjectCheck.check(secondary, object, StoredObjectCheck.Depth.QUICK).isEmpty());
			if (verified) {
				continue;
			}
			Instant until = lock.enabled() ? retainUntil(backup.retainUntil(), lock) : null;
			for (BackupManifest.StoredObject object : backup.objects()) {
				CrossStoreCopy.Result result = this.copier
					.copy(primary, object.key(), secondary, object.key(),
							new CrossStoreCopy.Expected(object.size(), object.sha256(), object.s3Checksum(),
									object.partSize() > 0 ? Math.toIntExact(object.partSize()) : 16 * 1024 * 1024),
							null);
				ledger.add(secondary.name(), "bytes.sent", result.bytesSent());
				if (until != null) {
					BackupLocks.of(secondary).retain(object.key(), lock.mode(), until);
				}
			}
			BaseBackupManifest copy = backup.published(backup.job(), backup.createdAt(), until);
			secondary.put(manifestKey, ManifestJson.write(copy), "application/json");
			if (until != null) {
				BackupLocks.of(secondary).retain(manifestKey, lock.mode(), until);
			}
			ledger.add(secondary.name(), "base-backups.copied", 1);
			log.info("replication: base backup {} of {} is on target '{}'", backup.backupId(), database,
					secondary.name());
		}
	}

	private void copyWal(ObjectStore primary, ObjectStore secondary, String database, DrbatchProperties.Lock lock,
			ReplicationLedger ledger) {
		String prefix = "wal/" + database + "/";
		Map<String, Long> held = new HashMap<>();
		for (ObjectInfo object : secondary.list(prefix)) {
			held.put(object.key(), object.size());
		}
		List<ObjectInfo> theirs = primary.list(prefix);
		int copied = 0;
		int behind = 0;
		for (ObjectInfo object : theirs) {
			if (object.key().endsWith("/" + WalArchive.STATE)) {
				continue;
			}
			Long size = held.get(object.key());
			if (size != null && size == object.size()) {
				continue;
			}
			try {
				copySmall(primary, secondary, object.key());
				if (lock.enabled() && object.key().endsWith(WalArchive.SEGMENT_SUFFIX)) {
					BackupLocks.of(secondary).retain(object.key(), lock.mode(), retainUntil(null, lock));
				}
				copied++;
				ledger.add(secondary.name(), "bytes.sent", object.size());
			}
			catch (DrbatchException ex) {
				behind++;
				ledger.put(secondary.name(), "wal.behind", behind);
				throw ex;
			}
		}
		for (ObjectInfo object : theirs) {
			if (object.key().endsWith("/" + WalArchive.STATE)) {
				copySmall(primary, secondary, object.key());
			}
		}
		ledger.add(secondary.name(), "wal.copied", copied);
		if (copied > 0) {
			log.info("replication: {} WAL object(s) of {} copied to target '{}'", copied, database, secondary.name());
		}
	}

	/**
	 * Copies an object small enough to hold (a WAL segment, a history file, a state
	 * file), verified.
	 */
	private static void copySmall(ObjectStore from, ObjectStore to, String key) {
		ObjectInfo original = from.head(key)
			.orElseThrow(() -> new DrbatchException(io.drbatch.failure.FailureKind.INTEGRITY,
					key + " vanished from target '" + from.name() + "' while it was being replicated"));
		byte[] bytes;
		try (InputStream in = from.get(key)) {
			bytes = in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot read " + key + " from target '" + from.name() + "'", ex);
		}
		String expected = Sha256.base64(Sha256.of(bytes, 0, bytes.length));
		if (original.checksumSha256() != null && !original.checksumSha256().equals(expected)) {
			throw new DrbatchException(io.drbatch.failure.FailureKind.INTEGRITY,
					key + " read from target '" + from.name() + "' has checksum " + expected + ", the store records "
							+ original.checksumSha256() + "; nothing was copied");
		}
		to.put(key, bytes, "application/octet-stream", original.metadata());
		ObjectInfo copy = to.head(key)
			.orElseThrow(() -> new DrbatchException(io.drbatch.failure.FailureKind.INTEGRITY,
					key + " is missing on target '" + to.name() + "' right after its upload"));
		if (copy.size() != bytes.length || (copy.checksumSha256() != null && !copy.checksumSha256().equals(expected))) {
			throw new DrbatchException(io.drbatch.failure.FailureKind.INTEGRITY, "the copy of " + key + " on target '"
					+ to.name() + "' has " + copy.size() + " bytes and checksum " + copy.checksumSha256());
		}
	}

	private Instant retainUntil(Instant recorded, DrbatchProperties.Lock lock) {
		if (recorded != null && recorded.isAfter(this.clock.instant())) {
			return recorded;
		}
		return this.clock.instant().plus(Duration.ofDays(lock.days())).truncatedTo(ChronoUnit.SECONDS);
	}

}
