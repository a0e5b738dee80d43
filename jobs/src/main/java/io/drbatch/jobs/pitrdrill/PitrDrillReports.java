package io.drbatch.jobs.pitrdrill;

import java.nio.file.Path;
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
import io.drbatch.jobs.restore.DrillContext;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.recovery.RecoveryTarget;

/**
 * Builds pitr-drill's {@link DrillReport} from its job context, and, as the job's
 * listener, makes a drill that failed before its report step (no base backup, a hole in
 * the WAL, a recovery that stopped) leave a FAILED report naming the cause and never a
 * server or scratch directory behind, unless {@code drbatch.drill.keep-on-failure} asks
 * to keep them for forensics. A report failing to be written is logged and never hides
 * the job's own failure. Thread-safe.
 */
class PitrDrillReports implements JobExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(PitrDrillReports.class);

	/** Why the drill failed, as its report says ("; " between reasons). */
	static final String FAILURES = "drbatch.pitr-drill.failures";

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties properties;

	private final Clock clock;

	PitrDrillReports(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.clock = clock;
	}

	static DrillReport report(String result, JobExecution job, Instant started, Instant finished, long rto,
			long rtoTarget, long rpo, long rpoTarget, PitrDrillFindings findings, List<String> failures) {
		ExecutionContext context = job.getExecutionContext();
		String dumpManifest = context.getString(PitrDrillContext.DUMP_MANIFEST, null);
		String dumpId = dumpManifest != null ? Path.of(dumpManifest).getParent().getFileName().toString() : null;
		String target = context.getString(PitrDrillContext.RECOVERY_TARGET, null);
		DrillReport.PitrDetails details = new DrillReport.PitrDetails(
				target != null ? RecoveryTarget.parse(target).describe() : "not planned",
				context.getString(PitrDrillContext.COMPARISON, "none"), dumpId,
				context.getString(PitrDrillContext.BASE_BACKUP, null),
				context.getString(PitrDrillContext.RECOVERED_LSN, null), context.getInt(PitrDrillContext.TIMELINE, 0),
				context.containsKey(PitrDrillContext.LAST_COMMIT)
						? Instant.parse(context.getString(PitrDrillContext.LAST_COMMIT)) : null,
				context.getLong(PitrDrillContext.WAL_SEGMENTS, 0), context.getLong(PitrDrillContext.WAL_BYTES, 0),
				context.getLong(PitrDrillContext.REPLAY_MILLIS, 0), findings != null ? findings.explained() : List.of(),
				findings != null ? findings.amcheck() : null, context.getString(PitrDrillContext.WINDOW, "unknown"));
		return new DrillReport(result, job.getJobParameters().getString("database"), dumpId,
				context.getString(PitrDrillContext.STORE_TARGET, null),
				context.getString(PitrDrillContext.DATA_DIR, null), null, started, finished, 0,
				context.getLong(PitrDrillContext.RECOVER_MILLIS, 0), context.getLong(PitrDrillContext.VERIFY_MILLIS, 0),
				rto, rtoTarget, rpo, rpoTarget, findings != null ? findings.tables() : List.of(),
				findings != null ? findings.extraTables() : List.of(), findings != null ? findings.checks() : List.of(),
				failures, job.getId(), DrillReport.PITR_DRILL, null, details);
	}

	@Override
	public void afterJob(JobExecution execution) {
		ExecutionContext context = execution.getExecutionContext();
		if (execution.getStatus() == BatchStatus.COMPLETED || !context.containsKey(PitrDrillContext.STARTED_MILLIS)) {
			return;
		}
		String database = execution.getJobParameters().getString("database");
		if (!context.containsKey(DrillContext.REPORT_KEY)) {
			writeFailedReport(execution, database);
		}
		if (context.containsKey(PitrDrillContext.DATA_DIR)) {
			ScratchCluster scratch = new ScratchCluster(Path.of(context.getString(PitrDrillContext.DATA_DIR)),
					PitrDrillJobConfiguration.server(this.properties.recovery()));
			if (this.properties.drill().keepOnFailure()) {
				log.warn("Keeping the scratch directory {} of the failed PITR drill for forensics", scratch.dataDir());
				return;
			}
			try {
				scratch.remove();
			}
			catch (RuntimeException ex) {
				log.warn("Could not remove the scratch directory {} of the failed PITR drill: {}", scratch.dataDir(),
						ex.getMessage());
			}
		}
	}

	private void writeFailedReport(JobExecution execution, String database) {
		ExecutionContext context = execution.getExecutionContext();
		String cause = execution.getAllFailureExceptions()
			.stream()
			.findFirst()
			.map(ex -> DrbatchException.find(ex).map(Throwable::getMessage).orElse(String.valueOf(ex)))
			.orElse("the PITR drill stopped with status " + execution.getStatus());
		Instant started = Instant.ofEpochMilli(context.getLong(PitrDrillContext.STARTED_MILLIS));
		Instant finished = this.clock.instant();
		DrillReport report = report(DrillReport.FAILED, execution, started, finished,
				finished.toEpochMilli() - started.toEpochMilli(), this.properties.drill().rtoTarget().toMillis(), -1,
				this.sources.settings(database).pitr().rpoTarget().toMillis(), null, List.of(cause));
		try {
			String key = report.store(this.targets.primary());
			context.putString(DrillContext.REPORT_KEY, key);
			context.putString(DrillContext.RESULT, DrillReport.FAILED);
			log.info("Report {} written for the failed PITR drill", key.replace(".json", ".md"));
		}
		catch (RuntimeException ex) {
			log.warn("The report of the failed PITR drill of {} could not be written: {}", database, ex.getMessage());
		}
	}

}
