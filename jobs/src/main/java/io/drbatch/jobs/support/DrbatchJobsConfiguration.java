package io.drbatch.jobs.support;

import java.time.Clock;

import javax.sql.DataSource;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.DrbatchPropertiesValidator;

/** Collaborators every job shares: configuration, sources, storage targets, the job repository schema. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DrbatchProperties.class)
public class DrbatchJobsConfiguration {

	/** The name Spring Boot looks up to validate every {@code @ConfigurationProperties} bean at binding time. */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static DrbatchPropertiesValidator configurationPropertiesValidator() {
		return new DrbatchPropertiesValidator();
	}

	/** Every step saves the job's context before it is recorded complete ({@link JobContextCheckpoint}). */
	@Bean
	static JobContextCheckpoint jobContextCheckpoint(
			org.springframework.beans.factory.ObjectProvider<org.springframework.batch.core.repository.JobRepository> jobRepository) {
		return new JobContextCheckpoint(jobRepository);
	}

	@Bean
	Clock clock() {
		return Clock.systemUTC();
	}

	@Bean
	SourceDatabases sourceDatabases(DrbatchProperties properties) {
		return new SourceDatabases(properties.sources());
	}

	@Bean
	EncryptionKeys encryptionKeys(DrbatchProperties properties) {
		return new EncryptionKeys(properties.targets());
	}

	@Bean
	StoreTargets storeTargets(DrbatchProperties properties) {
		return new StoreTargets(properties.targets(), properties.dump().partsInFlight() + 4);
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
