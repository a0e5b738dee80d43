package io.drbatch.jobs.tiering;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.support.transaction.ResourcelessTransactionManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * archive-tiering: one chunk-oriented step over the promotions due on {@code tier.date}
 * (one chunk per backup: the copies, verified, then the manifest). Idempotent per period:
 * a promotion whose manifest exists is not listed again, so a relaunch after a crash
 * finishes the rest without duplicates.
 */
@Configuration(proxyBeanMethods = false)
class ArchiveTieringJobConfiguration {

	static final String JOB_NAME = JobNames.ARCHIVE_TIERING;

	@Bean
	JobDescriptor archiveTieringDescriptor() {
		return new JobDescriptor(JOB_NAME,
				"copy the weekday's newest daily into the weekly tier and the month's first daily into the monthly tier",
				List.of(JobDescriptor.runDate("tier.date", "the day the promotions are due (default: today, UTC)")));
	}

	@Bean
	Job archiveTieringJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, ExecutionHeartbeat heartbeat) {
		PromotionReader reader = new PromotionReader(properties.tiering(), sources, targets);
		Step promote = new StepBuilder(JOB_NAME + ".promote", jobRepository).<Promotion, BackupManifest>chunk(1)
			.transactionManager(new ResourcelessTransactionManager())
			.reader(reader)
			.processor(new TierCopyProcessor(targets, clock))
			.writer(new TierManifestWriter(targets, properties.targets().get(0).lock(), properties.retention(), clock))
			.listener((StepExecutionListener) reader)
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(promote).build();
	}

}
