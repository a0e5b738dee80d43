package io.drbatch.jobs.pitrdrill;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.recovery.PointInTimeRecovery;
import io.drbatch.recovery.RecoveryFiles;
import io.drbatch.recovery.RecoveryPlanner;
import io.drbatch.recovery.RecoveryServer;
import io.drbatch.recovery.RecoveryTarget;
import io.drbatch.store.ObjectStore;

/**
 * The recover step of pitr-drill: stops whatever an interrupted attempt left running on
 * the scratch directory and empties it, picks a free loopback port, and runs the
 * {@link PointInTimeRecovery} the plan step chose (planned again from the bucket, which
 * may have gained WAL since, never lost any the plan needed), leaving the promoted server
 * running for the verify step. A relaunch recovers from the start. Stateless.
 */
class PitrDrillRecoverTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrDrillRecoverTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final EncryptionKeys keys;

	private final DrbatchProperties.Recovery settings;

	PitrDrillRecoverTasklet(SourceDatabases sources, StoreTargets targets, EncryptionKeys keys,
			DrbatchProperties.Recovery settings) {
		this.sources = sources;
		this.targets = targets;
		this.keys = keys;
		this.settings = settings;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		RecoveryServer.Settings server = PitrDrillJobConfiguration.server(this.settings);
		ScratchCluster scratch = new ScratchCluster(Path.of(context.getString(PitrDrillContext.DATA_DIR)), server);
		scratch.prepare();
		Files.writeString(scratch.dataDir().resolve(RecoveryFiles.MARKER), job.getJobInstance().getInstanceId() + "\n");
		ObjectStore store = this.targets.get(context.getString(PitrDrillContext.STORE_TARGET));
		RecoveryTarget target = RecoveryTarget.parse(context.getString(PitrDrillContext.RECOVERY_TARGET));
		RecoveryPlanner.Plan plan = RecoveryPlanner.plan(store, database, target);
		if (plan.base().encryptionKeyId() != null) {
			this.keys.requireKey(plan.base().encryptionKeyId(), "base backup " + plan.base().backupId());
		}
		int port = freePort();
		context.putInt(PitrDrillContext.PORT, port);
		context.putString(PitrDrillContext.BASE_BACKUP, plan.base().backupId());
		long started = System.nanoTime();
		PointInTimeRecovery.Outcome outcome = PointInTimeRecovery
			.run(new PointInTimeRecovery.Request(plan, RecoveryPlanner.archive(store, database, plan.base()),
					this.keys.forReading(), scratch.dataDir(), scratch.spool(), port, this.sources.resolve(database),
					server, this.settings.fetchParallel(), this.settings.lookahead(), this.settings.timeout()));
		context.putString(PitrDrillContext.RECOVERED_LSN, outcome.recovered().position().toString());
		if (outcome.recovered().lastReplayedCommit() != null) {
			context.putString(PitrDrillContext.LAST_COMMIT, outcome.recovered().lastReplayedCommit().toString());
		}
		context.putInt(PitrDrillContext.TIMELINE, outcome.recovered().timeline());
		context.putLong(PitrDrillContext.WAL_SEGMENTS, outcome.walSegments());
		context.putLong(PitrDrillContext.WAL_BYTES, outcome.walBytes());
		context.putLong(PitrDrillContext.REPLAY_MILLIS, outcome.replayMillis());
		context.putLong(PitrDrillContext.RECOVER_MILLIS, (System.nanoTime() - started) / 1_000_000);
		context.putLong("drbatch.bytes.in", outcome.extracted().storedBytes() + outcome.walBytes());
		log.info("pitr-drill {}: promoted at {} on timeline {} (last replayed commit {}) on 127.0.0.1:{}", database,
				outcome.recovered().position(), outcome.recovered().timeline(),
				outcome.recovered().lastReplayedCommit(), port);
		contribution.incrementWriteCount(1);
		return RepeatStatus.FINISHED;
	}

	private static int freePort() throws IOException {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
	}

}
