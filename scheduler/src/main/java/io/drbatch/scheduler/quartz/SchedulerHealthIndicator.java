package io.drbatch.scheduler.quartz;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The liveness of scheduler mode: DOWN when this process's Quartz scheduler has shut down
 * or gone to standby without being asked to (it will never fire again, and a restart of
 * the pod is the cure); UP otherwise, and UP in any other mode. It says nothing about
 * backups: a stale backup pages someone through the alerts, it must not restart pods.
 * Part of the {@code liveness} health group. Thread-safe.
 */
@Component("scheduler")
public class SchedulerHealthIndicator implements HealthIndicator {

	private final SchedulerMode schedulerMode;

	public SchedulerHealthIndicator(SchedulerMode schedulerMode) {
		this.schedulerMode = schedulerMode;
	}

	@Override
	public Health health() {
		return this.schedulerMode.deadScheduler()
			.map(problem -> Health.down().withDetail("problem", problem).build())
			.orElseGet(() -> Health.up()
				.withDetail("mode", this.schedulerMode.scheduling() ? "scheduling" : "not scheduling in this process")
				.build());
	}

}
