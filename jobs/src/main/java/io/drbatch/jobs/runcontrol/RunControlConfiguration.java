package io.drbatch.jobs.runcontrol;

import javax.sql.DataSource;

import org.springframework.batch.core.repository.JobRepository;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.drbatch.jobs.config.DrbatchProperties;

/**
 * How executions are run and controlled, whatever the job: the job repository's schema,
 * the heartbeat that tells a live execution from a dead one, the stop signal, the context
 * checkpoint after every step, and the fan-out over a fleet's sources.
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

	/**
	 * SERIALIZABLE only where the job repository guards a launch
	 * ({@link JobRepositoryIsolation}).
	 */
	@Bean
	static JobRepositoryIsolation jobRepositoryIsolation() {
		return new JobRepositoryIsolation();
	}

	@Bean
	StopSignal stopSignal() {
		return new StopSignal();
	}

	@Bean
	ExecutionHeartbeat executionHeartbeat(DataSource dataSource, StopSignal stopSignal, JobRepositorySchema schema) {
		return new ExecutionHeartbeat(dataSource, stopSignal);
	}

	/** The one fan-out of this process: its budget of part buffers is the process's. */
	@Bean
	SourceFanOut sourceFanOut(DrbatchProperties properties) {
		return new SourceFanOut(properties);
	}

	@Bean
	JobRepositorySchema jobRepositorySchema(DataSource dataSource) {
		return new JobRepositorySchema(dataSource);
	}

}
