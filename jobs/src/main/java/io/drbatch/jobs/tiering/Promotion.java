package io.drbatch.jobs.tiering;

import io.drbatch.manifest.BackupManifest;

/** One daily backup to copy into {@code tier} ({@code weekly} or {@code monthly}) with {@code storageClass}. */
record Promotion(BackupManifest daily, String tier, String storageClass) {
}
