package io.drbatch.jobs.dailydump;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.pg.PgClientTools;
import io.drbatch.pg.PgConnectionSpec;

/**
 * Fails fast, before anything is written, when the source database cannot be reached, the
 * pg_dump on PATH is older than the server, or the primary bucket is missing or refuses
 * the credentials (the store is checked beside the database, so the slower of the two
 * sets the step's time). Chooses the backup id on the first attempt of a job instance and
 * keeps it for every relaunch. Runs on every attempt.
 */
class PreflightTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PreflightTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final String pgDump;

	private final Clock clock;

	PreflightTasklet(SourceDatabases sources, StoreTargets targets, String pgDump, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.pgDump = pgDump;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		String database = job.getJobParameters().getString("database");
		PgConnectionSpec source = this.sources.resolve(database);
		CompletableFuture<Void> storeCheck = CompletableFuture.runAsync(() -> this.targets.primary().checkAccess());
		int serverVersionNum;
		String pgDumpVersion;
		try {
			serverVersionNum = serverVersionNum(source);
			pgDumpVersion = new PgClientTools(this.pgDump).requireDumpCompatible(serverVersionNum);
		}
		finally {
			awaitStoreCheck(storeCheck);
		}
		ExecutionContext context = job.getExecutionContext();
		if (!context.containsKey(DailyDumpContext.BACKUP_ID)) {
			context.putString(DailyDumpContext.BACKUP_ID, BackupLayout.newBackupId(this.clock.instant()));
		}
		log.info("Preflight passed: database '{}' (server {}), {}, target '{}' {}, backup {}", database,
				serverVersionNum, pgDumpVersion, this.targets.primary().name(), this.targets.primary().location(),
				context.getString(DailyDumpContext.BACKUP_ID));
		return RepeatStatus.FINISHED;
	}

	/**
	 * Waits for the store check that runs beside the database checks; its failure is
	 * rethrown as it was.
	 */
	private static void awaitStoreCheck(CompletableFuture<Void> storeCheck) {
		try {
			storeCheck.join();
		}
		catch (CompletionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw ex;
		}
	}

	private static int serverVersionNum(PgConnectionSpec source) {
		try (Connection connection = source.open("drbatch-preflight");
				Statement statement = connection.createStatement();
				ResultSet rs = statement.executeQuery("SELECT current_setting('server_version_num')::int")) {
			rs.next();
			return rs.getInt(1);
		}
		catch (SQLException ex) {
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE,
					"cannot query database '" + source.name() + "': " + ex.getMessage(), ex);
		}
	}

}
