package io.drbatch.jobs.replication;

import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.StepSynchronizationManager;
import org.springframework.batch.infrastructure.item.ItemProcessor;

import io.drbatch.store.StorageClass;
import io.drbatch.manifest.Tier;
import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.CrossStoreCopy;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Copies one backup's objects from the primary to a secondary with {@link CrossStoreCopy}
 * (streamed, several parts in flight, resumed from the parts an interrupted attempt left,
 * each copy verified against the manifest) and hands the backup to the writer, which
 * writes its manifest last.
 *
 * <p>
 * A failure on the secondary's side (down, throttling past the client's retries,
 * refusing) marks that target failed for the rest of the run (its other backups are
 * skipped, the other targets go on); a failure on the primary's side (an object missing
 * or not matching its manifest) marks only that backup. Either way nothing is returned
 * for the writer, so no manifest vouches for an unverified copy, and the status step
 * makes the run fail. Objects in a cold storage class on the primary (archive tier) are
 * read from the daily backup with the same id when it still exists; otherwise the backup
 * waits (restore it on the primary first). Thread-safe.
 */
class ReplicaCopyProcessor implements ItemProcessor<Replica, Replica> {

	private static final Logger log = LoggerFactory.getLogger(ReplicaCopyProcessor.class);

	private final StoreTargets targets;

	private final CrossStoreCopy copier;

	ReplicaCopyProcessor(StoreTargets targets, int partsInFlight) {
		this.targets = targets;
		this.copier = new CrossStoreCopy(partsInFlight);
	}

	@Override
	public Replica process(Replica replica) {
		ReplicationLedger ledger = new ReplicationLedger(
				StepSynchronizationManager.getContext().getStepExecution().getJobExecution());
		String name = replica.target();
		BackupManifest backup = replica.backup();
		if (ledger.targetFailure(name) != null) {
			ledger.add(name, "backups.skipped", 1);
			return null;
		}
		ObjectStore primary = this.targets.primary();
		ObjectStore target = this.targets.get(name);
		log.info("replication: copying backup {} of {} ({} tier, {} bytes) to target '{}': {}", backup.backupId(),
				backup.database(), backup.tier(), backup.totalStoredBytes(), name, replica.reason().describe());
		long started = System.nanoTime();
		try {
			for (BackupManifest.StoredObject object : backup.objects()) {
				String sourceKey = readableSource(primary, backup, object);
				CrossStoreCopy.Result result = this.copier.copy(primary, sourceKey, target, object.key(),
						new CrossStoreCopy.Expected(object.size(), object.sha256(), object.s3Checksum(),
								partSize(object)),
						null);
				ledger.add(name, "bytes.sent", result.bytesSent());
				ledger.add(name, "bytes.read", result.bytesSent() + result.bytesReadToVerify());
				ledger.add(name, "parts.resumed", result.resumedParts());
				if (result.resumedParts() > 0) {
					log.info("replication: {} on target '{}' resumed from {} part(s); {} of {} bytes sent",
							object.key(), name, result.resumedParts(), result.bytesSent(), object.size());
				}
			}
		}
		catch (CrossStoreCopy.Failure failure) {
			if (failure.side() == CrossStoreCopy.Side.DESTINATION) {
				ledger.targetFailed(name, failure.getMessage());
				log.warn("replication: target '{}' failed, skipping it for the rest of this run: {}", name,
						failure.getMessage());
			}
			else {
				ledger.backupFailed(name, backup.backupId(), failure.getMessage());
				log.error("replication: backup {} of {} cannot be copied from the primary: {}", backup.backupId(),
						backup.database(), failure.getMessage());
			}
			return null;
		}
		catch (ColdSource cold) {
			ledger.backupFailed(name, backup.backupId(), cold.getMessage());
			log.warn("replication: {}", cold.getMessage());
			return null;
		}
		log.info("replication: backup {} of {} copied and verified on target '{}' in {} ms", backup.backupId(),
				backup.database(), name, (System.nanoTime() - started) / 1_000_000);
		return replica;
	}

	/**
	 * The part size the object was uploaded with, which keeps its composite checksum; 16
	 * MiB when unrecorded.
	 */
	private static int partSize(BackupManifest.StoredObject object) {
		return object.partSize() > 0 ? Math.toIntExact(object.partSize()) : 16 * 1024 * 1024;
	}

	/**
	 * The key to read {@code object}'s bytes from on the primary: itself, or its daily
	 * original when it is cold.
	 */
	private static String readableSource(ObjectStore primary, BackupManifest backup,
			BackupManifest.StoredObject object) {
		Optional<ObjectInfo> info = primary.head(object.key());
		if (info.isEmpty() || !StorageClass.isCold(info.get().storageClass())) {
			return object.key();
		}
		if (backup.tier() != Tier.DAILY) {
			String dailyManifest = BackupLayout.manifestKey(Tier.DAILY, backup.database(), backup.backupId());
			if (primary.head(dailyManifest).isPresent()) {
				for (BackupManifest.StoredObject original : new BackupCatalog(primary).read(dailyManifest).objects()) {
					Optional<ObjectInfo> originalInfo = primary.head(original.key());
					if (original.sha256().equals(object.sha256()) && original.size() == object.size()
							&& originalInfo.isPresent() && !StorageClass.isCold(originalInfo.get().storageClass())) {
						return original.key();
					}
				}
			}
		}
		throw new ColdSource("backup " + backup.backupId() + " of " + backup.database() + " is in "
				+ info.get().storageClass() + " on the primary and no readable copy of it remains there; it is copied "
				+ "once a restore of " + object.key() + " on the primary has made it readable");
	}

	private static final class ColdSource extends DrbatchException {

		ColdSource(String message) {
			super(io.drbatch.failure.FailureKind.STORE_UNAVAILABLE, message);
		}

	}

}
