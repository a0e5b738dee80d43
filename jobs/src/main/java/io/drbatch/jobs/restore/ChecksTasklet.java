package io.drbatch.jobs.restore;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;

/**
 * Runs the configured custom checks that apply to the drilled database in the restored
 * database, each in its own read-only transaction, and records every result (a check that
 * errors is a failed check, not a crashed drill). The verdict is the report step's.
 * Idempotent on relaunch.
 */
class ChecksTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(ChecksTasklet.class);

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final List<DrbatchProperties.Check> checks;

	ChecksTasklet(StoreTargets targets, RestoreDestination destination, List<DrbatchProperties.Check> checks) {
		this.targets = targets;
		this.destination = destination;
		this.checks = checks;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		BackupManifest manifest = new BackupCatalog(DrillContext.backupStore(this.targets, context))
			.read(context.getString(DrillContext.MANIFEST_KEY));
		List<CheckResult> results;
		try (Connection connection = this.destination.database(job).open("drbatch-drill-checks")) {
			results = CustomChecks.run(connection, this.checks, database, manifest.source().snapshotTime());
		}
		catch (SQLException ex) {
			throw new IllegalStateException("cannot close the checks connection", ex);
		}
		results
			.forEach(result -> log.info("Check {}: {}", result.name(), result.passed() ? "passed" : result.describe()));
		context.putString(DrillContext.CHECKS, ManifestJson.writeString(results));
		return RepeatStatus.FINISHED;
	}

	static List<CheckResult> read(String json) {
		return List.of(ManifestJson.read(json, CheckResult[].class));
	}

}
