package io.drbatch.jobs.restore;

import org.springframework.batch.core.job.JobExecution;

import io.drbatch.jobs.restore.PgServer;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.pg.PgConnectionSpec;

/**
 * What differs between the two jobs that restore a backup. A {@link Purpose#DRILL}
 * restores into a new scratch database on the drill server, judges RTO and RPO against
 * their targets and drops the scratch database; a {@link Purpose#RECOVERY} restores into
 * a named database on the source's own server (the real thing on the day of disaster) and
 * keeps it. Both verify checksums, row counts and custom checks the same way, and both
 * write a report. Immutable and thread-safe.
 */
final class RestoreDestination {

	enum Purpose {

		DRILL("restore drill", "drills/"), RECOVERY("restore", "restores/");

		private final String noun;

		private final String reportFolder;

		Purpose(String noun, String reportFolder) {
			this.noun = noun;
			this.reportFolder = reportFolder;
		}

		/** What people call it in messages and reports: "restore drill" or "restore". */
		String noun() {
			return this.noun;
		}

		/** Where its reports go in the bucket: {@code drills/} or {@code restores/}. */
		String reportFolder() {
			return this.reportFolder;
		}

	}

	private final Purpose purpose;

	private final PgServer drillServer;

	private final SourceDatabases sources;

	RestoreDestination(Purpose purpose, PgServer drillServer, SourceDatabases sources) {
		this.purpose = purpose;
		this.drillServer = drillServer;
		this.sources = sources;
	}

	Purpose purpose() {
		return this.purpose;
	}

	boolean isDrill() {
		return this.purpose == Purpose.DRILL;
	}

	/**
	 * The server this execution restores into: the drill server, or the server of the
	 * source being recovered.
	 */
	PgServer server(JobExecution job) {
		return isDrill() ? this.drillServer
				: PgServer.of(this.sources.resolve(job.getJobParameters().getString("database")));
	}

	/** The database this execution restores into, as chosen by its select step. */
	PgConnectionSpec database(JobExecution job) {
		return server(job).spec(job.getExecutionContext().getString(DrillContext.TARGET_DATABASE));
	}

}
