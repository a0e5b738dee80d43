package io.drbatch.jobs.replication;

import io.drbatch.jobs.backup.Mismatch;
import io.drbatch.manifest.BackupManifest;

/**
 * One backup of the primary to copy to one secondary target, and why it needs copying
 * there.
 */
record Replica(String target, BackupManifest backup, Mismatch reason) {
}
