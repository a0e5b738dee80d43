package io.drbatch.jobs.restore;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.infrastructure.item.ExecutionContext;

import io.drbatch.failure.DrbatchException;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;

/**
 * Makes a drill or restore that failed before its report step (a corrupt object, a
 * restore that pg_restore rejected, an unreachable server) leave a report too:
 * {@code report.json} and {@code report.md} with result FAILED and the cause. A drill
 * drops the scratch database it created unless keep-on-failure is set; a recovery leaves
 * its partly restored database for the relaunch, which drops and restores it again. A
 * report failing to be written is logged, never hides the job's own failure.
 */
class FailedDrillReporter implements JobExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(FailedDrillReporter.class);

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final DrbatchProperties.Drill settings;

	private final Clock clock;

	FailedDrillReporter(StoreTargets targets, RestoreDestination destination, DrbatchProperties.Drill settings,
			Clock clock) {
		this.targets = targets;
		this.destination = destination;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public void afterJob(JobExecution execution) {
		ExecutionContext context = execution.getExecutionContext();
		if (execution.getStatus() == BatchStatus.COMPLETED || context.containsKey(DrillContext.REPORT_KEY)
				|| !context.containsKey(DrillContext.STARTED_MILLIS)) {
			return;
		}
		String database = execution.getJobParameters().getString("database");
		String cause = execution.getAllFailureExceptions()
			.stream()
			.findFirst()
			.map(ex -> DrbatchException.find(ex).map(Throwable::getMessage).orElse(String.valueOf(ex)))
			.orElse("the " + this.destination.purpose().noun() + " stopped with status " + execution.getStatus());
		Instant started = Instant.ofEpochMilli(context.getLong(DrillContext.STARTED_MILLIS));
		String manifestKey = context.getString(DrillContext.MANIFEST_KEY, null);
		String backupId = manifestKey != null ? manifestKey.split("/")[2] : null;
		String scratch = context.getString(DrillContext.TARGET_DATABASE, null);
		long rto = this.clock.millis() - started.toEpochMilli();
		DrillReport report = new DrillReport(DrillReport.FAILED, database, backupId,
				context.containsKey(DrillContext.STORE_TARGET) ? context.getString(DrillContext.STORE_TARGET)
						: this.targets.primary().name(),
				scratch, null, started, this.clock.instant(), context.getLong(DrillContext.DOWNLOAD_MILLIS, 0),
				context.getLong(DrillContext.RESTORE_MILLIS, 0), 0, rto, this.settings.rtoTarget().toMillis(), -1,
				this.settings.rpoTarget().toMillis(), List.of(), List.of(), List.of(), List.of(cause),
				execution.getId(), this.destination.isDrill() ? DrillReport.DRILL : DrillReport.RESTORE,
				context.getLong(DrillContext.COLD_WAIT_MILLIS, 0));
		try {
			context.putString(DrillContext.REPORT_KEY, report.store(this.targets.primary()));
			context.putString(DrillContext.RESULT, DrillReport.FAILED);
		}
		catch (RuntimeException ex) {
			log.error("Could not write the report of failed {} {}: {}", this.destination.purpose().noun(),
					execution.getId(), ex.getMessage());
		}
		if (!this.destination.isDrill()) {
			if (scratch != null && context.containsKey(DrillContext.TARGET_CREATED)) {
				log.warn("Database {} holds a partial restore; 'drbatch restart {}' drops it and restores again",
						scratch, execution.getId());
			}
			return;
		}
		if (scratch != null && context.containsKey(DrillContext.TARGET_CREATED) && !this.settings.keepOnFailure()) {
			try {
				this.destination.server(execution).drop(scratch);
			}
			catch (RuntimeException ex) {
				log.error("Could not drop scratch database {} of failed drill {}: {}", scratch, execution.getId(),
						ex.getMessage());
			}
		}
	}

}
