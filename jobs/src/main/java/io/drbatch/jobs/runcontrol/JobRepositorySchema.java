package io.drbatch.jobs.runcontrol;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.datasource.init.ResourceDatabasePopulator;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.PgLogins;

/**
 * Creates Spring Batch's job repository tables on first start and never touches them
 * after: the tables are created from Spring Batch's own DDL only when
 * {@code batch_job_instance} is absent, under a PostgreSQL advisory lock so that
 * concurrent first starts (two replicas) do not race. drbatch's own table,
 * {@code drbatch_heartbeat} (which process runs which execution, and when it last said
 * so), is created the same way when absent. Nothing is ever dropped, so history survives
 * every restart.
 */
public class JobRepositorySchema implements InitializingBean {

	private static final Logger log = LoggerFactory.getLogger(JobRepositorySchema.class);

	/** Arbitrary, fixed key of the advisory lock that serialises schema creation. */
	private static final long SCHEMA_LOCK = 0x64726261746368L;

	private final DataSource dataSource;

	public JobRepositorySchema(DataSource dataSource) {
		this.dataSource = dataSource;
	}

	@Override
	public void afterPropertiesSet() {
		try (Connection connection = this.dataSource.getConnection()) {
			try (Statement statement = connection.createStatement()) {
				statement.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
			}
			try {
				if (!exists(connection)) {
					new ResourceDatabasePopulator(
							new ClassPathResource("org/springframework/batch/core/schema-postgresql.sql"))
						.populate(connection);
					log.info("Created the job repository schema in {}", connection.getMetaData().getURL());
				}
				try (Statement statement = connection.createStatement()) {
					statement
						.execute("CREATE TABLE IF NOT EXISTS drbatch_heartbeat (job_execution_id bigint PRIMARY KEY, "
								+ "host text NOT NULL, pid bigint NOT NULL, started_at timestamptz NOT NULL, "
								+ "beat_at timestamptz NOT NULL)");
				}
			}
			finally {
				try (Statement statement = connection.createStatement()) {
					statement.execute("SELECT pg_advisory_unlock(" + SCHEMA_LOCK + ")");
				}
			}
		}
		catch (SQLException ex) {
			throw failure(this.dataSource, ex);
		}
	}

	/**
	 * A failure to use the job repository database:
	 * {@link FailureKind#DATABASE_LOGIN_REFUSED} naming its URL and user when the server
	 * refused the login, else {@link FailureKind#DATABASE_UNAVAILABLE}.
	 */
	public static DrbatchException failure(DataSource dataSource, SQLException ex) {
		String where = dataSource instanceof HikariDataSource hikari
				? " (" + hikari.getUsername() + " at " + hikari.getJdbcUrl() + ")" : "";
		String message = ex.getMessage() != null ? ex.getMessage().lines().findFirst().orElse("") : "";
		if (PgLogins.refused(ex)) {
			String user = dataSource instanceof HikariDataSource hikari ? hikari.getUsername() : "?";
			return new DrbatchException(FailureKind.DATABASE_LOGIN_REFUSED, "the job repository database" + where
					+ " refused the login of user '" + user + "': " + rootMessage(ex), ex);
		}
		return new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
				"cannot reach the job repository database" + where + ": " + message, ex);
	}

	private static String rootMessage(Throwable ex) {
		Throwable root = ex;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() != null ? root.getMessage().lines().findFirst().orElse("") : "";
	}

	private static boolean exists(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT to_regclass('batch_job_instance') IS NOT NULL")) {
			rs.next();
			return rs.getBoolean(1);
		}
	}

}
