package io.drbatch.jobs.restore;

import java.sql.Connection;
import java.sql.SQLException;

import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemProcessor;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.PgTables;

/**
 * Counts one manifest table in the restored database, its own rows, or with an
 * inheritance parent's children for a manifest written before version 2 (as that manifest
 * recorded them). Holds one connection to that database for the step's duration (opened
 * before the step, closed after). Not thread-safe: one step thread.
 */
class TableCountProcessor implements ItemProcessor<BackupManifest.TableRows, TableCheck>, StepExecutionListener {

	private static final String UNDEFINED_TABLE = "42P01";

	private final RestoreDestination destination;

	private final StoreTargets targets;

	private Connection connection;

	private boolean ownRowsOnly = true;

	TableCountProcessor(RestoreDestination destination, StoreTargets targets) {
		this.destination = destination;
		this.targets = targets;
	}

	@Override
	public void beforeStep(StepExecution stepExecution) {
		ExecutionContext job = stepExecution.getJobExecution().getExecutionContext();
		this.ownRowsOnly = new BackupCatalog(DrillContext.backupStore(this.targets, job))
			.read(job.getString(DrillContext.MANIFEST_KEY))
			.countsOwnRows();
		this.connection = this.destination.database(stepExecution.getJobExecution()).open("drbatch-drill-verify");
	}

	@Override
	public TableCheck process(BackupManifest.TableRows table) {
		try {
			return new TableCheck(table.schema(), table.table(), table.rows(),
					PgTables.count(this.connection, PgTables.quote(table.schema(), table.table()), this.ownRowsOnly));
		}
		catch (SQLException ex) {
			if (UNDEFINED_TABLE.equals(ex.getSQLState())) {
				return new TableCheck(table.schema(), table.table(), table.rows(), -1);
			}
			throw new DrbatchException(FailureKind.DATABASE_UNAVAILABLE, "cannot count " + table.schema() + "."
					+ table.table() + " in the restored database: " + ex.getMessage(), ex);
		}
	}

	@Override
	public ExitStatus afterStep(StepExecution stepExecution) {
		try {
			if (this.connection != null) {
				this.connection.close();
			}
		}
		catch (SQLException ex) {
			// the scratch database may already be gone; nothing to release
		}
		return null;
	}

}
