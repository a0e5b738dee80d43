package io.drbatch.scheduler.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.ToDoubleFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.manifest.BackupManifest;

/**
 * drbatch's own gauges, beside Spring Batch's job and step metrics, read from the bucket
 * through {@link RecoveryView} when scraped (scheduler mode) or pushed (CronJob mode, at
 * the end of the run). Per database and target: the newest backup's time, age, stored and
 * dumped size, compression ratio and dump duration, and the replication lag of each
 * secondary behind the primary; per database: the RPO and RTO targets and the last
 * drill's result, time and measured RTO; per source with point-in-time recovery: the WAL
 * archive's age and the moment it was last current, the slot's retained WAL and its
 * limit, whether the chain is broken, the newest base backup. A value that does not exist
 * (no backup yet, never drilled) is NaN, which Prometheus shows as absent data rather
 * than as zero.
 */
@Component
public class RecoveryMetrics implements MeterBinder {

	private final RecoveryView view;

	public RecoveryMetrics(RecoveryView view) {
		this.view = view;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (String database : this.view.databases()) {
			gauge(registry, "drbatch.rpo.target", "seconds", "the RPO target: the oldest acceptable newest backup",
					database, null, v -> this.view.rpoTarget().toSeconds());
			gauge(registry, "drbatch.rto.target", "seconds", "the RTO target: the longest acceptable restore", database,
					null, v -> this.view.rtoTarget().toSeconds());
			for (String target : this.view.targetNames()) {
				gauge(registry, "drbatch.backup.newest.timestamp", "seconds", "snapshot time of the newest backup",
						database, target,
						v -> newest(database, target).map(m -> m.source().snapshotTime().getEpochSecond())
							.map(Long::doubleValue)
							.orElse(Double.NaN));
				gauge(registry, "drbatch.backup.age", "seconds",
						"age of the newest backup (compare with the RPO target)", database, target,
						v -> newest(database, target)
							.map(m -> (double) Duration.between(m.source().snapshotTime(), this.view.now()).toSeconds())
							.orElse(Double.NaN));
				gauge(registry, "drbatch.backup.stored", "bytes", "stored size of the newest backup", database, target,
						v -> newest(database, target).map(m -> (double) m.totalStoredBytes()).orElse(Double.NaN));
				gauge(registry, "drbatch.backup.dumped", "bytes", "uncompressed dump size of the newest backup",
						database, target, v -> newest(database, target).map(m -> (double) m.dump().uncompressedBytes())
							.orElse(Double.NaN));
				gauge(registry, "drbatch.backup.compression.ratio", null,
						"dumped bytes per stored byte of the newest backup", database, target,
						v -> newest(database, target).filter(m -> m.totalStoredBytes() > 0)
							.map(m -> (double) m.dump().uncompressedBytes() / m.totalStoredBytes())
							.orElse(Double.NaN));
				gauge(registry, "drbatch.backup.duration", "seconds", "how long the newest backup's dump took",
						database, target,
						v -> newest(database, target).map(m -> m.dump().durationMillis() / 1000.0).orElse(Double.NaN));
				if (!target.equals(this.view.primaryName())) {
					gauge(registry, "drbatch.replication.lag", "seconds",
							"how far the newest backup on this target is behind the newest on the primary", database,
							target, v -> replicationLag(database, target));
				}
			}
			gauge(registry, "drbatch.drill.last.passed", null, "1 when the last restore drill passed, 0 when it failed",
					database, null, v -> lastDrill(database).map(d -> d.passed() ? 1.0 : 0.0).orElse(Double.NaN));
			gauge(registry, "drbatch.drill.last.timestamp", "seconds", "start of the last restore drill", database,
					null,
					v -> lastDrill(database).map(d -> (double) d.drillStarted().getEpochSecond()).orElse(Double.NaN));
			gauge(registry, "drbatch.drill.last.rto", "seconds", "RTO measured by the last restore drill", database,
					null, v -> lastDrill(database).map(d -> d.rtoMillis() / 1000.0).orElse(Double.NaN));
		}
		bindPitr(registry);
	}

	/** The WAL archive's gauges of the sources with point-in-time recovery. */
	private void bindPitr(MeterRegistry registry) {
		for (String database : this.view.pitrDatabases()) {
			gauge(registry, "drbatch.pitr.rpo.target", "seconds", "the point-in-time recovery RPO target of the source",
					database, null,
					v -> pitr(database).map(p -> (double) p.rpoTarget().toSeconds()).orElse(Double.NaN));
			gauge(registry, "drbatch.wal.archive.age", "seconds",
					"age of the newest point the WAL archive holds everything up to (compare with the PITR RPO target)",
					database, this.view.primaryName(),
					v -> pitr(database).map(p -> p.age(this.view.now()))
						.filter(java.util.Objects::nonNull)
						.map(age -> (double) age.toSeconds())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.wal.archive.current.timestamp", "seconds",
					"when the WAL archive last held everything the server had written", database,
					this.view.primaryName(),
					v -> pitr(database).filter(p -> p.currentAt() != null)
						.map(p -> (double) p.currentAt().getEpochSecond())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.wal.slot.retained", "bytes", "WAL the replication slot keeps on the server",
					database, null,
					v -> pitr(database).filter(p -> p.health() != null)
						.map(p -> (double) p.slotRetainedBytes())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.wal.slot.retained.limit", "bytes",
					"WAL the slot may keep before the source is AT RISK (pitr.slot-retained-limit)", database, null,
					v -> pitr(database).map(p -> (double) p.slotRetainedLimit()).orElse(Double.NaN));
			gauge(registry, "drbatch.wal.chain.broken", null,
					"1 when the WAL chain has a hole after the newest base backup (a new base backup is needed)",
					database, this.view.primaryName(),
					v -> pitr(database).filter(p -> p.health() != null)
						.map(p -> p.health().broken() ? 1.0 : 0.0)
						.orElse(Double.NaN));
			gauge(registry, "drbatch.pitr.drill.last.passed", null,
					"1 when the last PITR drill passed, 0 when it failed", database, null,
					v -> pitr(database).flatMap(RecoveryView.Pitr::lastDrill)
						.map(d -> d.passed() ? 1.0 : 0.0)
						.orElse(Double.NaN));
			gauge(registry, "drbatch.pitr.drill.last.timestamp", "seconds", "start of the last PITR drill", database,
					null,
					v -> pitr(database).flatMap(RecoveryView.Pitr::lastDrill)
						.map(d -> (double) d.drillStarted().getEpochSecond())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.pitr.drill.last.rto", "seconds", "RTO measured by the last PITR drill", database,
					null,
					v -> pitr(database).flatMap(RecoveryView.Pitr::lastDrill)
						.map(d -> d.rtoMillis() / 1000.0)
						.orElse(Double.NaN));
			gauge(registry, "drbatch.pitr.drill.last.recovered.timestamp", "seconds",
					"commit time of the last transaction the last PITR drill recovered", database, null,
					v -> pitr(database).flatMap(RecoveryView.Pitr::lastDrill)
						.filter(d -> d.pitr() != null && d.pitr().lastReplayedCommit() != null)
						.map(d -> (double) d.pitr().lastReplayedCommit().getEpochSecond())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.pitr.window.start.timestamp", "seconds",
					"the oldest point in time recovery can reach: the end of the oldest base backup", database,
					this.view.primaryName(),
					v -> pitr(database).filter(p -> p.health() != null)
						.flatMap(p -> p.health()
							.baseBackups()
							.stream()
							.map(io.drbatch.manifest.BaseBackupManifest::stopTime)
							.min(java.util.Comparator.naturalOrder()))
						.map(t -> (double) t.getEpochSecond())
						.orElse(Double.NaN));
			gauge(registry, "drbatch.base.backup.newest.timestamp", "seconds", "start of the newest base backup",
					database, this.view.primaryName(),
					v -> pitr(database).filter(p -> p.health() != null)
						.flatMap(p -> p.health().newestBaseBackup())
						.map(m -> (double) m.startTime().getEpochSecond())
						.orElse(Double.NaN));
		}
	}

	private Optional<RecoveryView.Pitr> pitr(String database) {
		return Optional.ofNullable(this.view.snapshot().pitr().get(database));
	}

	private Optional<BackupManifest> newest(String database, String target) {
		return this.view.snapshot().newest(database, target);
	}

	private Optional<DrillReport> lastDrill(String database) {
		return this.view.snapshot().lastDrills().getOrDefault(database, Optional.empty());
	}

	private double replicationLag(String database, String target) {
		Optional<Instant> primary = newest(database, this.view.primaryName()).map(m -> m.source().snapshotTime());
		if (primary.isEmpty()) {
			return Double.NaN;
		}
		Optional<Instant> copy = newest(database, target).map(m -> m.source().snapshotTime());
		return copy.map(time -> (double) Math.max(0, Duration.between(time, primary.get()).toSeconds()))
			.orElse(Double.NaN);
	}

	private static void gauge(MeterRegistry registry, String name, String unit, String description, String database,
			String target, ToDoubleFunction<Object> value) {
		Gauge.Builder<Object> builder = Gauge.builder(name, new Object(), value)
			.description(description)
			.tag("database", database);
		if (target != null) {
			builder.tag("target", target);
		}
		if (unit != null) {
			builder.baseUnit(unit);
		}
		builder.strongReference(true).register(registry);
	}

}
