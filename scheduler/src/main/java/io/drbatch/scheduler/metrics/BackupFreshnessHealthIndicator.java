package io.drbatch.scheduler.metrics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.manifest.BackupManifest;

/**
 * Health of drbatch's purpose rather than of its process: DOWN when any configured
 * database's newest backup on the primary target is older than the RPO target, or
 * missing, or when a source's WAL archive is older than its point-in-time recovery RPO
 * target. Details name each database with its newest backup and age. (In scheduler mode,
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
		for (RecoveryView.Pitr pitr : snapshot.pitr().values()) {
			Duration age = pitr.age(this.view.now());
			boolean current = age != null && age.compareTo(pitr.rpoTarget()) <= 0;
			up &= current;
			details.put(pitr.database() + ".walArchive", age == null ? "no WAL archived" : Map.of("ageSeconds",
					age.toSeconds(), "withinRpo", current, "rpoTarget", pitr.rpoTarget().toString()));
			// a failed PITR drill is DOWN; a source never drilled yet is only reported
			up &= pitr.lastDrill().map(DrillReport::passed).orElse(true);
			details.put(pitr.database() + ".pitrDrill",
					pitr.lastDrill()
						.map(drill -> (Object) Map.of("result", drill.result(), "started",
								drill.drillStarted().toString(), "rtoSeconds", drill.rtoMillis() / 1000))
						.orElse("never drilled"));
		}
		return (up ? Health.up() : Health.down()).withDetails(details).build();
	}

}
