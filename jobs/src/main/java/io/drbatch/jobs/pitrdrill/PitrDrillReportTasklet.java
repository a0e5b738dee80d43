package io.drbatch.jobs.pitrdrill;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.CheckResult;
import io.drbatch.jobs.restore.DrillContext;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.restore.TableCheck;
import io.drbatch.jobs.runcontrol.JobOutcome;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.recovery.RecoveryTarget;

/**
 * The report step of pitr-drill: judges the findings (every table equal, or for an
 * approximate comparison differing only by rows the dump's snapshot did not see; no table
 * the dump does not name; custom checks; pg_amcheck; RTO against
 * {@code drbatch.drill.rto-target}; the newest archived WAL's age against the source's
 * {@code pitr.rpo-target}), writes report.json and report.md beside the dump drills'
 * ({@code drills/<database>/<time>/}), saves the verdict in the job repository, then
 * stops the server and removes the scratch directories, and fails the job when the
 * verdict is FAILED. A relaunch after the verdict was saved finishes the cleanup with it.
 */
class PitrDrillReportTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrDrillReportTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DrbatchProperties properties;

	private final Clock clock;

	private final JobRepository jobRepository;

	PitrDrillReportTasklet(SourceDatabases sources, StoreTargets targets, DrbatchProperties properties, Clock clock,
			JobRepository jobRepository) {
		this.sources = sources;
		this.targets = targets;
		this.properties = properties;
		this.clock = clock;
		this.jobRepository = jobRepository;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		if (context.containsKey(PitrDrillContext.VERDICT)) {
			log.info("Report {} was written by an interrupted attempt; finishing with its verdict {}",
					context.getString(DrillContext.REPORT_KEY), context.getString(PitrDrillContext.VERDICT));
			return finish(context, database, DrillReport.PASSED.equals(context.getString(PitrDrillContext.VERDICT)),
					context.getString(PitrDrillReports.FAILURES, ""));
		}
		PitrDrillFindings findings = ManifestJson.read(context.getString(PitrDrillContext.FINDINGS),
				PitrDrillFindings.class);
		Instant started = Instant.ofEpochMilli(context.getLong(PitrDrillContext.STARTED_MILLIS));
		Instant finished = this.clock.instant().truncatedTo(ChronoUnit.MILLIS);
		List<String> failures = new ArrayList<>();
		findings.unexplained().stream().map(TableCheck::describe).forEach(failures::add);
		findings.extraTables()
			.forEach(table -> failures.add("table " + table + " is in the recovered database but not in the dump"));
		findings.checks().stream().filter(check -> !check.passed()).map(CheckResult::describe).forEach(failures::add);
		if (!findings.amcheckPassed()) {
			failures.add("amcheck: " + findings.amcheck());
		}
		long rto = context.getLong(PitrDrillContext.COUNTED_MILLIS) - started.toEpochMilli();
		long rtoTarget = this.properties.drill().rtoTarget().toMillis();
		if (rto > rtoTarget) {
			failures
				.add("measured RTO " + DrillReport.human(rto) + " exceeds the target " + DrillReport.human(rtoTarget));
		}
		long rpoTarget = this.sources.settings(database).pitr().rpoTarget().toMillis();
		long rpo = context.containsKey(PitrDrillContext.ARCHIVED_UNTIL_MILLIS)
				? Math.max(0, started.toEpochMilli() - context.getLong(PitrDrillContext.ARCHIVED_UNTIL_MILLIS)) : -1;
		if (rpo > rpoTarget) {
			failures.add("the newest archived WAL was " + DrillReport.human(rpo)
					+ " old when the drill started, over the RPO target " + DrillReport.human(rpoTarget));
		}
		DrillReport report = PitrDrillReports.report(failures.isEmpty() ? DrillReport.PASSED : DrillReport.FAILED, job,
				started, finished, rto, rtoTarget, rpo, rpoTarget, findings, failures);
		String reportKey = report.store(this.targets.primary());
		context.putString(DrillContext.RESULT, report.result());
		context.putLong(DrillContext.RTO_MILLIS, rto);
		context.putLong(DrillContext.RPO_MILLIS, rpo);
		context.putString(DrillContext.REPORT_KEY, reportKey);
		if (!report.passed()) {
			context.putString(PitrDrillReports.FAILURES, String.join("; ", failures));
		}
		context.putString(PitrDrillContext.VERDICT, report.result());
		JobOutcome.record(context, String.format(
				"pitr-drill %s: %s recovered %s from base backup %s (target '%s'); row counts %s dump %s; RTO %s"
						+ " (target %s); newest archived WAL %s old (RPO target %s); report %s",
				report.result(), database, report.pitr().recoveryTarget(), report.pitr().baseBackupId(),
				report.target(),
				report.pitr().comparison().equals("none") ? "not compared with a"
						: "compared (" + report.pitr().comparison() + ") with",
				report.backupId() != null ? report.backupId() : "", DrillReport.human(rto),
				DrillReport.human(rtoTarget), rpo >= 0 ? DrillReport.human(rpo) : "unknown",
				DrillReport.human(rpoTarget), reportKey.replace(".json", ".md")));
		this.jobRepository.updateExecutionContext(job);
		log.info("Report {}:\n{}", reportKey.replace(".json", ".md"), report.markdown());
		return finish(context, database, report.passed(), String.join("; ", failures));
	}

	private RepeatStatus finish(ExecutionContext context, String database, boolean passed, String failures) {
		ScratchCluster scratch = new ScratchCluster(Path.of(context.getString(PitrDrillContext.DATA_DIR)),
				PitrDrillJobConfiguration.server(this.properties.recovery()));
		if (passed || !this.properties.drill().keepOnFailure()) {
			scratch.remove();
		}
		else {
			log.warn("Keeping the recovered cluster of the failed PITR drill for forensics: {} (stop it with pg_ctl -D"
					+ " {} stop)", scratch.dataDir(), scratch.dataDir());
		}
		if (!passed) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"PITR drill of " + database + " to "
							+ RecoveryTarget.parse(context.getString(PitrDrillContext.RECOVERY_TARGET)).describe()
							+ " FAILED: " + failures);
		}
		return RepeatStatus.FINISHED;
	}

}
