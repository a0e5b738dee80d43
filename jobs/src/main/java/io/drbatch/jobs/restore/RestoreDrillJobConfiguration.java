package io.drbatch.jobs.restore;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.ExecutionContextPromotionListener;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.PgServer;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * Two jobs that restore a backup with the same steps: select (the backup, and the
 * database to restore into) -> restore (download + verify checksums, pg_restore) ->
 * verify (chunk-oriented and restartable: count every manifest table in the restored
 * database) -> checks (custom SQL) -> report (extra tables, RTO and RPO, report to the
 * bucket, fail the job when the verdict is FAILED).
 * <ul>
 * <li>{@code restore-drill} restores the newest backup into a new scratch database on the
 * drill server, judges RTO and RPO against their targets and drops the scratch
 * database;</li>
 * <li>{@code restore} is the real recovery ({@code drbatch restore}): a chosen backup
 * into a named database on the source's server, which it keeps; it refuses a non-empty
 * target unless {@code force=true}.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class RestoreDrillJobConfiguration {

	static final String JOB_NAME = JobNames.RESTORE_DRILL;

	static final String RESTORE_JOB_NAME = JobNames.RESTORE;

	/**
	 * Tables counted per chunk: each chunk's results are committed to the job repository.
	 */
	private static final int TABLES_PER_CHUNK = 10;

	@Bean
	JobDescriptor restoreDrillDescriptor(SourceDatabases sources, StoreTargets targets) {
		return new JobDescriptor(JOB_NAME, "restore the newest backup into a scratch database and verify it", List.of(
				new JobDescriptor.Parameter("database",
						"configured source name (default: every source, each its own job instance)", sources::checkName,
						clock -> sources.defaultName()),
				JobDescriptor.runDate("drill.date", "the day of this drill (default: today, UTC)"),
				new JobDescriptor.Parameter("backup", "backup id to drill (default: the newest)", value -> value,
						clock -> null),
				new JobDescriptor.Parameter("target",
						"storage target to read the backup from, or 'rotate' (default: drbatch.drill.target, else the primary)",
						value -> value.equals("rotate") ? value : targets.get(value).name(), clock -> null)))
			.forEverySource();
	}

	@Bean
	JobDescriptor restoreDescriptor(SourceDatabases sources, StoreTargets targets) {
		return new JobDescriptor(RESTORE_JOB_NAME,
				"restore a backup into a database for a real recovery, with the drill's verification",
				List.of(new JobDescriptor.Parameter("database", "configured source name (default: the first source)",
						sources::checkName, clock -> sources.defaultName()),
						new JobDescriptor.Parameter("backup", "backup id, or 'latest' (default)", value -> value,
								clock -> null),
						new JobDescriptor.Parameter("before",
								"the newest backup taken before this time (ISO-8601, e.g. 2026-11-26T09:30:00Z; a date means its start, UTC)",
								value -> JobDescriptor.instant("before", value).toString(), clock -> null),
						new JobDescriptor.Parameter("target",
								"storage target to read the backup from (default: the primary)",
								value -> targets.get(value).name(), clock -> null),
						new JobDescriptor.Parameter("target.database",
								"database to restore into, on the source's server (default: the source's own database)",
								value -> value, clock -> null),
						new JobDescriptor.Parameter("force", "true to drop and replace a non-empty target database",
								value -> JobDescriptor.bool("force", value), clock -> "false"),
						new JobDescriptor.Parameter("restore.requested",
								"when the restore was asked for (default: now); makes every request its own job instance",
								value -> JobDescriptor.instant("restore.requested", value).toString(),
								clock -> clock.instant().toString())));
	}

	@Bean
	Job restoreDrillJob(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DrbatchProperties properties, SourceDatabases sources, StoreTargets targets, Clock clock,
			StopSignal stopSignal, ExecutionHeartbeat heartbeat, EncryptionKeys keys) {
		RestoreDestination destination = new RestoreDestination(RestoreDestination.Purpose.DRILL,
				PgServer.drill(properties.drill()), sources);
		return restoreJob(JOB_NAME, destination, jobRepository, transactionManager, properties, sources, targets, clock,
				stopSignal, heartbeat, keys);
	}

	@Bean
	Job restoreJob(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DrbatchProperties properties, SourceDatabases sources, StoreTargets targets, Clock clock,
			StopSignal stopSignal, ExecutionHeartbeat heartbeat, EncryptionKeys keys) {
		RestoreDestination destination = new RestoreDestination(RestoreDestination.Purpose.RECOVERY,
				PgServer.drill(properties.drill()), sources);
		return restoreJob(RESTORE_JOB_NAME, destination, jobRepository, transactionManager, properties, sources,
				targets, clock, stopSignal, heartbeat, keys);
	}

	private static Job restoreJob(String name, RestoreDestination destination, JobRepository jobRepository,
			PlatformTransactionManager transactionManager, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, StopSignal stopSignal, ExecutionHeartbeat heartbeat,
			EncryptionKeys keys) {
		DrbatchProperties.Drill drill = properties.drill();
		// Tasklets keep no transactional state of their own and are idempotent on
		// relaunch. The verify step's
		// chunks must commit the reader's position and the step's counts atomically, so
		// that a process killed
		// between the two cannot make a relaunch skip or repeat tables: it runs in the
		// job repository's transactions.
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step select = new StepBuilder(name + ".select", jobRepository)
			.tasklet(new SelectBackupTasklet(sources, targets, destination, drill, clock), noTransaction)
			.build();
		Step restore = new StepBuilder(name + ".restore", jobRepository)
			.tasklet(stopSignal.stoppable(new RestoreTasklet(targets, destination, drill, jobRepository, keys)),
					noTransaction)
			.build();
		VerifyStepParts parts = new VerifyStepParts(destination, targets);
		ExecutionContextPromotionListener promotion = new ExecutionContextPromotionListener();
		promotion.setKeys(new String[] { DrillContext.TABLE_CHECKS, DrillContext.VERIFY_MILLIS });
		Step verify = new StepBuilder(name + ".verify", jobRepository).<BackupManifest.TableRows, TableCheck>chunk(
				TABLES_PER_CHUNK)
			.transactionManager(transactionManager)
			.reader(parts)
			.processor(parts)
			.writer(parts)
			.listener((StepExecutionListener) parts)
			// after-step listeners run in reverse order: the timing must be recorded
			// before it is promoted
			.listener(promotion)
			.listener(new VerifyTiming())
			.build();
		Step checks = new StepBuilder(name + ".checks", jobRepository)
			.tasklet(new ChecksTasklet(targets, destination, drill.checks()), noTransaction)
			.build();
		Step report = new StepBuilder(name + ".report", jobRepository)
			.tasklet(new ReportTasklet(targets, destination, drill, clock, jobRepository), noTransaction)
			.build();
		// after-job listeners run in reverse order: the failure report is written before
		// the notification
		return new JobBuilder(name, jobRepository).listener(heartbeat)
			.listener(new DrillNotifier(drill.webhook(), destination.purpose().noun()))
			.listener(new FailedDrillReporter(targets, destination, drill, clock))
			.start(select)
			.next(restore)
			.next(verify)
			.next(checks)
			.next(report)
			.build();
	}

	/**
	 * Records the verify step's duration in its context, for promotion to the job and the
	 * report.
	 */
	static class VerifyTiming implements StepExecutionListener {

		@Override
		public ExitStatus afterStep(StepExecution stepExecution) {
			long millis = java.time.Duration.between(stepExecution.getStartTime(), java.time.LocalDateTime.now())
				.toMillis();
			stepExecution.getExecutionContext().putLong(DrillContext.VERIFY_MILLIS, millis);
			return null;
		}

	}

}
