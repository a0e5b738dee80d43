package io.drbatch.jobs.restore;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.PgTables;
import io.drbatch.store.ObjectStore;

/**
 * Judges the drill or restore: every manifest table restored with its row count, no table
 * the manifest does not name, custom checks, and for a drill RTO and RPO against their
 * targets (a recovery reports both but is not failed by them: its database is restored
 * either way). Writes the report to the bucket and the job repository, drops a drill's
 * scratch database (kept after a failure when configured; a recovery's database is always
 * kept), and fails the job when the verdict is FAILED, so that a CronJob fails visibly.
 * The verdict is saved in the job repository before the drop: a relaunch after a kill at
 * that point finishes the cleanup with that verdict instead of judging again a database
 * that may already be gone.
 */
class ReportTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(ReportTasklet.class);

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final DrbatchProperties.Drill settings;

	private final Clock clock;

	private final org.springframework.batch.core.repository.JobRepository jobRepository;

	ReportTasklet(StoreTargets targets, RestoreDestination destination, DrbatchProperties.Drill settings, Clock clock,
			org.springframework.batch.core.repository.JobRepository jobRepository) {
		this.jobRepository = jobRepository;
		this.targets = targets;
		this.destination = destination;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		ObjectStore store = this.targets.primary();
		ObjectStore backupStore = DrillContext.backupStore(this.targets, context);
		BackupManifest manifest = new BackupCatalog(backupStore).read(context.getString(DrillContext.MANIFEST_KEY));
		String scratch = context.getString(DrillContext.TARGET_DATABASE);
		boolean drill = this.destination.isDrill();
		if (context.containsKey(DrillContext.REPORT_KEY)) {
			log.info("Report {} was written by an interrupted attempt; finishing with its verdict {}",
					context.getString(DrillContext.REPORT_KEY), context.getString(DrillContext.RESULT));
			return finish(job, manifest, scratch, DrillReport.PASSED.equals(context.getString(DrillContext.RESULT)),
					context.getString(DrillContext.FAILURES, ""));
		}
		List<TableCheck> checks = TableCheckWriter.read(context.getString(DrillContext.TABLE_CHECKS, "[]"));
		Instant started = Instant.ofEpochMilli(context.getLong(DrillContext.STARTED_MILLIS));
		Instant finished = this.clock.instant().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);

		List<String> extra = extraTables(this.destination.database(job), manifest);
		List<String> failures = new ArrayList<>();
		checks.stream().filter(check -> !check.passed()).map(TableCheck::describe).forEach(failures::add);
		extra.forEach(table -> failures.add("table " + table + " is in the restored database but not in the manifest"));
		List<CheckResult> custom = ChecksTasklet.read(context.getString(DrillContext.CHECKS, "[]"));
		custom.stream().filter(check -> !check.passed()).map(CheckResult::describe).forEach(failures::add);
		if (checks.size() != manifest.tables().size()) {
			failures.add("checked " + checks.size() + " of " + manifest.tables().size() + " manifest tables");
		}
		long rto = finished.toEpochMilli() - started.toEpochMilli();
		long rpo = started.toEpochMilli() - manifest.source().snapshotTime().toEpochMilli();
		if (drill && rto > this.settings.rtoTarget().toMillis()) {
			failures.add("measured RTO " + DrillReport.human(rto) + " exceeds the target "
					+ DrillReport.human(this.settings.rtoTarget().toMillis()));
		}
		if (drill && rpo > this.settings.rpoTarget().toMillis()) {
			failures.add("backup age " + DrillReport.human(rpo) + " exceeds the RPO target "
					+ DrillReport.human(this.settings.rpoTarget().toMillis()));
		}
		DrillReport report = new DrillReport(failures.isEmpty() ? DrillReport.PASSED : DrillReport.FAILED,
				manifest.database(), manifest.backupId(), backupStore.name(), scratch, manifest.source().snapshotTime(),
				started, finished, context.getLong(DrillContext.DOWNLOAD_MILLIS, 0),
				context.getLong(DrillContext.RESTORE_MILLIS, 0), context.getLong(DrillContext.VERIFY_MILLIS, 0), rto,
				this.settings.rtoTarget().toMillis(), rpo, this.settings.rpoTarget().toMillis(), checks, extra, custom,
				failures, job.getId(), drill ? DrillReport.DRILL : DrillReport.RESTORE,
				context.getLong(DrillContext.COLD_WAIT_MILLIS, 0));

		String reportKey = report.store(store);
		context.putString(DrillContext.RESULT, report.result());
		context.putLong(DrillContext.RTO_MILLIS, rto);
		context.putLong(DrillContext.RPO_MILLIS, rpo);
		context.putString(DrillContext.REPORT_KEY, reportKey);
		if (!report.passed()) {
			context.putString(DrillContext.FAILURES, String.join("; ", failures));
		}
		this.jobRepository.updateExecutionContext(job);
		log.info("Report {}:\n{}", reportKey.replace(".json", ".md"), report.markdown());
		return finish(job, manifest, scratch, report.passed(), String.join("; ", failures));
	}

	/**
	 * Drops a drill's scratch database (unless kept for forensics) and fails the job when
	 * the verdict is FAILED.
	 */
	private RepeatStatus finish(JobExecution job, BackupManifest manifest, String scratch, boolean passed,
			String failures) {
		boolean drill = this.destination.isDrill();
		if (drill && (passed || !this.settings.keepOnFailure())) {
			this.destination.server(job).drop(scratch);
		}
		else if (drill) {
			log.warn("Keeping scratch database {} of the failed drill for forensics", scratch);
		}
		if (!passed) {
			throw new DrbatchException(FailureKind.INTEGRITY, this.destination.purpose().noun() + " of "
					+ manifest.database() + " backup " + manifest.backupId() + " FAILED: " + failures);
		}
		return RepeatStatus.FINISHED;
	}

	private List<String> extraTables(io.drbatch.pg.PgConnectionSpec restored, BackupManifest manifest) {
		Set<String> inManifest = manifest.tables()
			.stream()
			.map(t -> t.schema() + "." + t.table())
			.collect(Collectors.toSet());
		try (Connection connection = restored.open("drbatch-drill-report")) {
			return PgTables.withData(connection)
				.stream()
				.map(PgTables.Table::qualifiedName)
				.filter(name -> !inManifest.contains(name))
				.toList();
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot list the tables of restored database " + restored.database() + ": " + ex.getMessage(), ex);
		}
	}

}
