package io.drbatch.jobs.tiering;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.infrastructure.item.ItemWriter;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.backup.BackupLocks;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.store.ObjectStore;

/**
 * Writes the tier's manifest last, after its copies were verified. On a locked target,
 * every copied version and the manifest are first locked for the tier's retention
 * (weekly: {@code drbatch.retention.weekly.days}, monthly: {@code .monthly.days}), and
 * the manifest records the date. Thread-safe.
 */
class TierManifestWriter implements ItemWriter<BackupManifest> {

	private static final Logger log = LoggerFactory.getLogger(TierManifestWriter.class);

	private final StoreTargets targets;

	private final DrbatchProperties.Lock lock;

	private final DrbatchProperties.Retention retention;

	private final Clock clock;

	TierManifestWriter(StoreTargets targets, DrbatchProperties.Lock lock, DrbatchProperties.Retention retention,
			Clock clock) {
		this.targets = targets;
		this.lock = lock;
		this.retention = retention;
		this.clock = clock;
	}

	@Override
	public void write(Chunk<? extends BackupManifest> chunk) {
		ObjectStore store = this.targets.primary();
		for (BackupManifest manifest : chunk) {
			BackupManifest written = manifest;
			String manifestKey = BackupLayout.manifestKey(manifest.tier(), manifest.database(), manifest.backupId());
			if (this.lock.enabled()) {
				Instant until = this.clock.instant()
					.plus(Duration.ofDays(this.retention.of(manifest.tier()).days()))
					.truncatedTo(ChronoUnit.SECONDS);
				BackupLocks.lockObjects(store, manifest, this.lock.mode(), until);
				written = new BackupManifest(manifest.formatVersion(), manifest.backupId(), manifest.database(),
						manifest.tier(), manifest.createdAt(), manifest.source(), manifest.dump(), manifest.objects(),
						manifest.tables(), manifest.job(), until);
				store.put(manifestKey, ManifestJson.write(written), "application/json");
				BackupLocks.of(store).retain(manifestKey, this.lock.mode(), until);
			}
			else {
				store.put(manifestKey, ManifestJson.write(written), "application/json");
			}
			log.info("archive-tiering: backup {} of {} is in the {} tier ({})", written.backupId(), written.database(),
					written.tier(), manifestKey);
		}
	}

}
