package io.drbatch.jobs.replication;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.backup.Mismatch;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;

/**
 * What a replication run has to copy: every backup of the primary (all databases, all
 * tiers, newest first) that a secondary does not hold as a verified copy
 * ({@link ReplicaCheck}), with the reason; a secondary that cannot be listed is set aside
 * with the failure, and gets nothing to copy. Immutable.
 *
 * @param replicas the copies to make, secondary by secondary, each secondary's newest
 * backups first
 * @param due how many backups each secondary lacks (0 for one that holds everything, or
 * cannot be read)
 * @param unreadable the failure of each secondary that could not be listed
 * @param backups how many backups the primary holds
 */
record ReplicationPlan(List<Replica> replicas, Map<String, Integer> due, Map<String, String> unreadable, int backups) {

	/**
	 * @param deep read every copy back instead of trusting the store's size and checksum
	 */
	static ReplicationPlan of(ObjectStore primary, List<ObjectStore> secondaries, boolean deep) {
		List<BackupManifest> backups = new BackupCatalog(primary).list(null);
		List<Replica> replicas = new ArrayList<>();
		Map<String, Integer> due = new LinkedHashMap<>();
		Map<String, String> unreadable = new LinkedHashMap<>();
		for (ObjectStore target : secondaries) {
			List<Replica> lacking = new ArrayList<>();
			try {
				Map<String, BackupManifest> copies = new BackupCatalog(target).list(null)
					.stream()
					.collect(Collectors.toMap(ReplicationPlanReader::manifestKey, Function.identity(), (a, b) -> a));
				for (BackupManifest backup : backups) {
					Optional<Mismatch> problem = ReplicaCheck.check(target, backup,
							Optional.ofNullable(copies.get(ReplicationPlanReader.manifestKey(backup))), deep);
					problem.ifPresent(mismatch -> lacking.add(new Replica(target.name(), backup, mismatch)));
				}
			}
			catch (DrbatchException ex) {
				unreadable.put(target.name(), ex.getMessage());
				lacking.clear();
			}
			replicas.addAll(lacking);
			due.put(target.name(), lacking.size());
		}
		return new ReplicationPlan(List.copyOf(replicas), due, unreadable, backups.size());
	}

}
