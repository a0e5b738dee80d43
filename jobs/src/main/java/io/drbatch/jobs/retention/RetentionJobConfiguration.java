package io.drbatch.jobs.retention;

import java.time.Clock;
import java.util.List;

import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.JobBuilder;
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
import io.drbatch.jobs.runcontrol.JobNames;

/** retention: one step, {@link PruneTasklet}, over every target, database and tier. */
@Configuration(proxyBeanMethods = false)
class RetentionJobConfiguration {

	static final String JOB_NAME = JobNames.RETENTION;

	@Bean
	JobDescriptor retentionDescriptor() {
		return new JobDescriptor(JOB_NAME,
				"delete expired backups per tier, never the newest nor fewer than the minimum",
				List.of(JobDescriptor.runDate("retention.date", "the day ages are counted from (default: today, UTC)"),
						new JobDescriptor.Parameter("dry-run", "true to list what would be deleted and delete nothing",
								value -> JobDescriptor.bool("dry-run", value), clock -> "false")));
	}

	@Bean
	Job retentionJob(JobRepository jobRepository, DrbatchProperties properties, SourceDatabases sources,
			StoreTargets targets, Clock clock, ExecutionHeartbeat heartbeat) {
		Step prune = new StepBuilder(JOB_NAME + ".prune", jobRepository)
			.tasklet(new PruneTasklet(properties.retention(), sources, targets, clock),
					new ResourcelessTransactionManager())
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(prune).build();
	}

}
