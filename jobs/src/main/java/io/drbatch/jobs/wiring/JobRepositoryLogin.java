package io.drbatch.jobs.wiring;

import java.sql.Connection;
import java.sql.SQLException;

import com.zaxxer.hikari.HikariDataSource;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.Secrets;
import io.drbatch.jobs.runcontrol.JobRepositorySchema;

/**
 * The job repository's login: gives its connection pool the password from
 * {@code drbatch.repository.password-env} or {@code .password-file} when one is set (see
 * {@link DrbatchProperties.Repository}; otherwise {@code spring.datasource.password}
 * stands), then opens one connection before any other bean uses the pool, so that an
 * unreachable database or a refused login stops start-up with one line naming the
 * database and the user ({@link JobRepositorySchema#failure}) instead of a failure deep
 * inside Spring Batch. Reads the secret once, at start-up. Stateless after construction.
 */
final class JobRepositoryLogin implements BeanPostProcessor {

	private final DrbatchProperties.Repository repository;

	JobRepositoryLogin(Environment environment) {
		this.repository = Binder.get(environment)
			.bindOrCreate("drbatch.repository", DrbatchProperties.Repository.class);
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource pool) {
			String password = Secrets.password(this.repository.passwordEnv(), this.repository.passwordFile(), null,
					"drbatch.repository");
			if (password != null) {
				pool.setPassword(password);
			}
		}
		return bean;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) {
		if (bean instanceof HikariDataSource pool) {
			try (Connection connection = pool.getConnection()) {
				connection.isValid(5);
			}
			catch (SQLException ex) {
				throw JobRepositorySchema.failure(pool, ex);
			}
			catch (RuntimeException ex) {
				if (ex.getCause() instanceof SQLException sql) {
					throw JobRepositorySchema.failure(pool, sql);
				}
				throw ex;
			}
		}
		return bean;
	}

}
