package io.drbatch.jobs.restoredrill;

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
import io.drbatch.jobs.support.DrillServer;
import io.drbatch.jobs.support.JobDescriptor;
import io.drbatch.jobs.support.SourceDatabases;
import io.drbatch.jobs.support.StoreTargets;
import io.drbatch.manifest.BackupManifest;

/**
 * restore-drill: select (newest backup with a manifest, scratch database) -> restore (download + verify
 * checksums, pg_restore into the scratch database) -> verify (chunk-oriented and restartable: count every
 * manifest table in the scratch database) -> checks (custom SQL) -> report (extra tables, RTO and RPO against targets, report to the
 * bucket, drop the scratch database, fail the job when the drill failed).
 */
@Configuration(proxyBeanMethods = false)
class RestoreDrillJobConfiguration {

	static final String JOB_NAME = "restore-drill";

	/** Tables counted per chunk: each chunk's results are committed to the job repository. */
	private static final int TABLES_PER_CHUNK = 10;

	@Bean
	JobDescriptor restoreDrillDescriptor(SourceDatabases sources) {
		return new JobDescriptor(JOB_NAME, "restore the newest backup into a scratch database and verify it",
				List.of(new JobDescriptor.Parameter("database", "configured source name (default: the first source)",
						value -> value, clock -> sources.defaultName()),
						JobDescriptor.runDate("drill.date", "the day of this drill (default: today, UTC)"),
						new JobDescriptor.Parameter("backup", "backup id to drill (default: the newest)", value -> value,
								clock -> null)));
	}

	@Bean
	Job restoreDrillJob(JobRepository jobRepository, PlatformTransactionManager transactionManager,
			DrbatchProperties properties, SourceDatabases sources, StoreTargets targets, DrillServer drillServer,
			Clock clock) {
		DrbatchProperties.Drill drill = properties.drill();
		// Tasklets keep no transactional state of their own and are idempotent on relaunch. The verify step's
		// chunks must commit the reader's position and the step's counts atomically, so that a process killed
		// between the two cannot make a relaunch skip or repeat tables: it runs in the job repository's transactions.
		ResourcelessTransactionManager noTransaction = new ResourcelessTransactionManager();
		Step select = new StepBuilder(JOB_NAME + ".select", jobRepository)
			.tasklet(new SelectBackupTasklet(sources, targets, drillServer, drill, clock), noTransaction)
			.build();
		Step restore = new StepBuilder(JOB_NAME + ".restore", jobRepository)
			.tasklet(new RestoreTasklet(targets, drillServer, drill), noTransaction)
			.build();
		ManifestTableReader reader = new ManifestTableReader(targets);
		TableCountProcessor processor = new TableCountProcessor(drillServer);
		TableCheckWriter writer = new TableCheckWriter();
		ExecutionContextPromotionListener promotion = new ExecutionContextPromotionListener();
		promotion.setKeys(new String[] { DrillContext.TABLE_CHECKS, DrillContext.VERIFY_MILLIS });
		Step verify = new StepBuilder(JOB_NAME + ".verify", jobRepository)
			.<BackupManifest.TableRows, TableCheck>chunk(TABLES_PER_CHUNK)
			.transactionManager(transactionManager)
			.reader(reader)
			.processor(processor)
			.writer(writer)
			.listener((StepExecutionListener) reader)
			.listener((StepExecutionListener) processor)
			.listener((StepExecutionListener) writer)
			// after-step listeners run in reverse order: the timing must be recorded before it is promoted
			.listener(promotion)
			.listener(new VerifyTiming())
			.build();
		Step checks = new StepBuilder(JOB_NAME + ".checks", jobRepository)
			.tasklet(new ChecksTasklet(targets, drillServer, drill.checks()), noTransaction)
			.build();
		Step report = new StepBuilder(JOB_NAME + ".report", jobRepository)
			.tasklet(new ReportTasklet(targets, drillServer, drill, clock), noTransaction)
			.build();
		// after-job listeners run in reverse order: the failure report is written before the notification
		return new JobBuilder(JOB_NAME, jobRepository).listener(new DrillNotifier(drill.webhook()))
			.listener(new FailedDrillReporter(targets, drillServer, drill, clock))
			.start(select)
			.next(restore)
			.next(verify)
			.next(checks)
			.next(report)
			.build();
	}

	/** Records the verify step's duration in its context, for promotion to the job and the report. */
	static class VerifyTiming implements StepExecutionListener {

		@Override
		public ExitStatus afterStep(StepExecution stepExecution) {
			long millis = java.time.Duration.between(stepExecution.getStartTime(), java.time.LocalDateTime.now()).toMillis();
			stepExecution.getExecutionContext().putLong(DrillContext.VERIFY_MILLIS, millis);
			return null;
		}

	}

}
