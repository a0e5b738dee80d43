package io.drbatch.jobs.runcontrol;

import javax.sql.DataSource;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * How executions are run and controlled, whatever the job: the job repository's schema,
 * the heartbeat that tells a live execution from a dead one, the stop signal, and the
 * context checkpoint after every step.
 */
@Configuration(proxyBeanMethods = false)
public class RunControlConfiguration {

	/**
	 * Every step saves the job's context before it is recorded complete
	 * ({@link JobContextCheckpoint}).
	 */
	@Bean
	static JobContextCheckpoint jobContextCheckpoint(ObjectProvider<JobRepository> jobRepository) {
		return new JobContextCheckpoint(jobRepository);
	}

	@Bean
	StopSignal stopSignal() {
		return new StopSignal();
	}

	@Bean
	ExecutionHeartbeat executionHeartbeat(DataSource dataSource, StopSignal stopSignal, JobRepositorySchema schema) {
		return new ExecutionHeartbeat(dataSource, stopSignal);
	}

	@Bean
	JobRepositorySchema jobRepositorySchema(DataSource dataSource) {
		return new JobRepositorySchema(dataSource);
	}

}
