package io.drbatch.jobs.tiering;

import io.drbatch.store.StorageClass;
import io.drbatch.manifest.Tier;
import io.drbatch.manifest.BackupManifest;

/**
 * One daily backup to copy into {@code tier} (weekly or monthly) with
 * {@code storageClass}.
 */
record Promotion(BackupManifest daily, Tier tier, StorageClass storageClass) {
}
