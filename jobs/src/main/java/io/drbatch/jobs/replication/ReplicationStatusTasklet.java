package io.drbatch.jobs.replication;

import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;

/**
 * Ends a replication run with the state of every secondary, measured afresh from the
 * manifests ({@link ReplicationLag}): status, lag and bytes behind go into the job
 * execution's context
 * ({@code drbatch.replication.<target>.status|lag.seconds|lag.bytes|backups.behind}) and
 * one log line per target, with what this run copied. When any target is behind or down
 * the step fails with {@link FailureKind#REPLICATION_BEHIND}, naming each one and why, so
 * the run exits non-zero; the next run catches up (a relaunch too: the copy step runs
 * again on restart). Thread-safe.
 */
class ReplicationStatusTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(ReplicationStatusTasklet.class);

	private final StoreTargets targets;

	ReplicationStatusTasklet(StoreTargets targets) {
		this.targets = targets;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ReplicationLedger ledger = new ReplicationLedger(job);
		List<String> secondaries = ReplicationPlanReader.secondaries(this.targets,
				job.getJobParameters().getString("target"));
		List<BackupManifest> backups = new BackupCatalog(this.targets.primary()).list(null);
		List<String> behind = new ArrayList<>();
		for (String name : secondaries) {
			ReplicationLag lag = ReplicationLag.measure(backups, this.targets.get(name));
			ledger.put(name, "status", lag.status());
			ledger.put(name, "lag.seconds", lag.lag() != null ? lag.lag().toSeconds() : -1);
			ledger.put(name, "lag.bytes", lag.bytesBehind());
			ledger.put(name, "backups.behind", lag.backupsBehind());
			log.info("replication: target '{}' {}; this run copied {} backup(s), sent {} bytes, resumed {} part(s)",
					name, lag.describe(), ledger.count(name, "backups.copied"), ledger.count(name, "bytes.sent"),
					ledger.count(name, "parts.resumed"));
			if (!ReplicationLag.UP_TO_DATE.equals(lag.status()) || ledger.targetFailure(name) != null) {
				String cause = ledger.targetFailure(name) != null ? ledger.targetFailure(name)
						: ledger.firstBackupFailure(name) != null ? ledger.firstBackupFailure(name) : null;
				behind.add("'" + name + "' " + lag.describe()
						+ (cause != null && !ReplicationLag.DOWN.equals(lag.status()) ? " (" + cause + ")" : ""));
			}
		}
		if (!behind.isEmpty()) {
			throw new DrbatchException(FailureKind.REPLICATION_BEHIND,
					"replication behind on target(s) " + String.join("; ", behind) + "; the next run catches up");
		}
		return RepeatStatus.FINISHED;
	}

}
