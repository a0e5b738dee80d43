package io.drbatch.scheduler.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.drbatch.manifest.BackupManifest;

/**
 * Health of drbatch's purpose rather than of its process: DOWN when any configured
 * database's newest backup on the primary target is older than the RPO target, or
 * missing. Details name each database with its newest backup and age. (In scheduler mode,
 * {@code /actuator/health}.)
 */
@Component("backups")
public class BackupFreshnessHealthIndicator implements HealthIndicator {

	private final RecoveryView view;

	public BackupFreshnessHealthIndicator(RecoveryView view) {
		this.view = view;
	}

	@Override
	public Health health() {
		RecoveryView.Snapshot snapshot = this.view.snapshot();
		boolean up = true;
		Map<String, Object> details = new LinkedHashMap<>();
		details.put("rpoTarget", this.view.rpoTarget().toString());
		for (String database : this.view.databases()) {
			Optional<BackupManifest> newest = snapshot.newest(database, this.view.primaryName());
			if (newest.isEmpty()) {
				up = false;
				details.put(database, "no backup on target '" + this.view.primaryName() + "'");
				continue;
			}
			Duration age = Duration.between(newest.get().source().snapshotTime(), this.view.now());
			boolean fresh = age.compareTo(this.view.rpoTarget()) <= 0;
			up &= fresh;
			details.put(database,
					Map.of("newestBackup", newest.get().backupId(), "ageSeconds", age.toSeconds(), "withinRpo", fresh));
		}
		return (up ? Health.up() : Health.down()).withDetails(details).build();
	}

}
