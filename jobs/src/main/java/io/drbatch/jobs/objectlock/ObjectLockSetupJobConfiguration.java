package io.drbatch.jobs.objectlock;

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
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * object-lock-setup: one step that makes every target with {@code lock.enabled} a locked,
 * versioned bucket ({@link LockSetupTasklet}). Re-runnable: its identifying parameter is
 * the time of the request, and every run converges the buckets to the configuration
 * again.
 */
@Configuration(proxyBeanMethods = false)
class ObjectLockSetupJobConfiguration {

	static final String JOB_NAME = JobNames.OBJECT_LOCK_SETUP;

	@Bean
	JobDescriptor objectLockSetupDescriptor() {
		return new JobDescriptor(JOB_NAME,
				"create or check each locked target: Object Lock, versioning, default retention, lifecycle rules",
				List.of(new JobDescriptor.Parameter("setup.requested",
						"when the setup was asked for (default: now); every run is its own job instance",
						value -> JobDescriptor.instant("setup.requested", value).toString(),
						clock -> clock.instant().toString())));
	}

	@Bean
	Job objectLockSetupJob(JobRepository jobRepository, DrbatchProperties properties, StoreTargets targets,
			ExecutionHeartbeat heartbeat) {
		Step apply = new StepBuilder(JOB_NAME + ".apply", jobRepository)
			.tasklet(new LockSetupTasklet(properties.targets(), targets), new ResourcelessTransactionManager())
			.build();
		return new JobBuilder(JOB_NAME, jobRepository).listener(heartbeat).start(apply).build();
	}

}
