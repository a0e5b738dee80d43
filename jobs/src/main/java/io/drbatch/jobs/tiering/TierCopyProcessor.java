package io.drbatch.jobs.tiering;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.ItemProcessor;

import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.backup.StoredObjectCheck;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Copies one daily backup's objects into its tier inside the store (server-side, part by
 * part with the original part size, so objects over 5 GiB copy too and a copy keeps the
 * original's composite checksum), checks every copy against the daily manifest (size and
 * checksum, else the bytes read back), and returns the tier's manifest for the writer.
 * What an interrupted attempt left in the tier's folder (copies without a manifest,
 * multipart copies never completed) is aborted or copied over. Thread-safe.
 */
class TierCopyProcessor implements ItemProcessor<Promotion, BackupManifest> {

	private static final Logger log = LoggerFactory.getLogger(TierCopyProcessor.class);

	private final StoreTargets targets;

	private final Clock clock;

	TierCopyProcessor(StoreTargets targets, Clock clock) {
		this.targets = targets;
		this.clock = clock;
	}

	@Override
	public BackupManifest process(Promotion promotion) {
		ObjectStore store = this.targets.primary();
		BackupManifest daily = promotion.daily();
		String folder = BackupLayout.folder(promotion.tier(), daily.database(), daily.backupId());
		for (ObjectStore.PendingUpload leftover : store.pendingUploads(folder)) {
			log.warn("archive-tiering: aborting copy {} of {} left by an interrupted attempt", leftover.uploadId(),
					leftover.key());
			store.abort(leftover);
		}
		List<BackupManifest.StoredObject> copies = new ArrayList<>();
		long started = System.nanoTime();
		for (BackupManifest.StoredObject object : daily.objects()) {
			String toKey = folder + object.key().substring(object.key().lastIndexOf('/') + 1);
			ObjectInfo copy = store.copy(object.key(), toKey, object.size(), object.partSize(),
					promotion.storageClass());
			BackupManifest.StoredObject copied = new BackupManifest.StoredObject(object.role(), toKey, object.size(),
					object.sha256(), object.s3Checksum(), object.partCount(), object.partSize());
			StoredObjectCheck.verify(store, copied);
			copies.add(copied);
			log.info("archive-tiering: {} -> {} ({} bytes, {})", object.key(), toKey, copy.size(),
					copy.storageClass() != null ? copy.storageClass() : promotion.storageClass());
		}
		log.info("archive-tiering: backup {} of {} copied into the {} tier in {} ms", daily.backupId(),
				daily.database(), promotion.tier(), (System.nanoTime() - started) / 1_000_000);
		return new BackupManifest(daily.formatVersion(), daily.backupId(), daily.database(), promotion.tier(),
				this.clock.instant(), daily.source(), daily.dump(), copies, daily.tables(), daily.job(), null);
	}

}
