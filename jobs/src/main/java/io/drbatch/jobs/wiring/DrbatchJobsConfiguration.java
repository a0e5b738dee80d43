package io.drbatch.jobs.wiring;

import java.time.Clock;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.DrbatchPropertiesValidator;

/**
 * Collaborators every job shares, built from the configuration: sources, storage targets,
 * encryption keys.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(DrbatchProperties.class)
public class DrbatchJobsConfiguration {

	/**
	 * The name Spring Boot looks up to validate every {@code @ConfigurationProperties}
	 * bean at binding time.
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static DrbatchPropertiesValidator configurationPropertiesValidator() {
		return new DrbatchPropertiesValidator();
	}

	/**
	 * The job repository's password from {@code drbatch.repository.password-env} or
	 * {@code -file}.
	 */
	@Bean
	static JobRepositoryLogin jobRepositoryLogin(org.springframework.core.env.Environment environment) {
		return new JobRepositoryLogin(environment);
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

}
