package io.drbatch.scheduler.quartz;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * Creates the Quartz job store tables in the job repository database when they are
 * missing, from drbatch's own DDL ({@code quartz-schema.sql}:
 * {@code CREATE ... IF NOT EXISTS} only, never a drop), under a PostgreSQL advisory lock
 * so that scheduler replicas starting together do not race. Stateless.
 */
final class QuartzSchema {

	/**
	 * Arbitrary, fixed key of the advisory lock that serialises the DDL (not the job
	 * repository's key).
	 */
	private static final long SCHEMA_LOCK = 0x647262717274L;

	private QuartzSchema() {
	}

	static void ensure(DataSource dataSource) {
		try (Connection connection = dataSource.getConnection()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
			}
			try {
				new ResourceDatabasePopulator(new ClassPathResource("io/drbatch/scheduler/quartz/quartz-schema.sql"))
					.populate(connection);
			}
			finally {
				try (Statement statement = connection.createStatement()) {
					statement.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
				}
			}
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot create the scheduler tables in the job repository database: " + ex.getMessage(), ex);
		}
	}

}
