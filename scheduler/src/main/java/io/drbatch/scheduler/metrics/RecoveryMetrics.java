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
 * drill's result, time and measured RTO. A value that does not exist (no backup yet,
 * never drilled) is NaN, which Prometheus shows as absent data rather than as zero.
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
