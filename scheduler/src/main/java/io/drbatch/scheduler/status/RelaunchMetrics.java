package io.drbatch.scheduler.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.scheduler.metrics.RecoveryView;

/**
 * {@code drbatch_executions_awaiting_relaunch{batch_job, database}}: how many job
 * instances of a job (for a source, or {@code all} for a job without one) ended FAILED or
 * STOPPED or died, and wait for {@code drbatch restart}. Read from the job repository at
 * most every {@code drbatch.status.cache-period} (15 s). The label is {@code batch_job},
 * not {@code job}, which Prometheus sets to the scrape job. Thread-safe.
 */
@Component
public class RelaunchMetrics implements MeterBinder {

	/** The {@code database} label of a job that takes no database. */
	static final String ALL = "all";

	private final StatusReader status;

	private final List<JobDescriptor> descriptors;

	private final SourceDatabases sources;

	private final Clock clock;

	private final Duration cachePeriod;

	private Instant readAt;

	private List<StatusReport.AwaitingRelaunch> waiting = List.of();

	public RelaunchMetrics(StatusReader status, List<JobDescriptor> descriptors, SourceDatabases sources, Clock clock,
			RecoveryView view) {
		this.cachePeriod = view.cachePeriod();
		this.status = status;
		this.descriptors = descriptors;
		this.sources = sources;
		this.clock = clock;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (JobDescriptor descriptor : this.descriptors) {
			List<String> databases = descriptor.takesDatabase() ? descriptor.sourcesAmong(this.sources.names())
					: List.of(ALL);
			for (String database : databases) {
				Gauge.builder("drbatch.executions.awaiting.relaunch", () -> count(descriptor.jobName(), database))
					.description("job instances whose last execution FAILED, STOPPED or died, awaiting drbatch restart")
					.tag("batch_job", descriptor.jobName())
					.tag("database", database)
					.register(registry);
			}
		}
	}

	private synchronized double count(String job, String database) {
		Instant now = this.clock.instant();
		if (this.readAt == null || Duration.between(this.readAt, now).compareTo(this.cachePeriod) > 0) {
			this.waiting = new ArrayList<>(this.status.awaitingRelaunch());
			this.readAt = now;
		}
		return this.waiting.stream()
			.filter(w -> w.job().equals(job) && Objects.equals(w.database() == null ? ALL : w.database(), database))
			.count();
	}

}
