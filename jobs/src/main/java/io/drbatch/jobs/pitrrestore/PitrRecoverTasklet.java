package io.drbatch.jobs.pitrrestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.JobOutcome;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.recovery.PointInTimeRecovery;
import io.drbatch.recovery.RecoveryFiles;
import io.drbatch.recovery.RecoveryPlanner;
import io.drbatch.recovery.RecoveryServer;

/**
 * The recover step of pitr-restore: plans again (the plan step refused what it could),
 * empties the data directory it may use (this request's own from an earlier attempt, or
 * any with {@code force}) and marks it, runs the {@link PointInTimeRecovery}, and leaves
 * the promoted server running for the operator, with the recovered point and the RTO (the
 * job's start to promotion) in the job's context. A failed recovery stops its server and
 * empties the directory unless {@code keep.failed} asks to keep it for forensics.
 * Stateless.
 */
class PitrRecoverTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(PitrRecoverTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final EncryptionKeys keys;

	private final DrbatchProperties.Recovery settings;

	private final Clock clock;

	PitrRecoverTasklet(SourceDatabases sources, StoreTargets targets, EncryptionKeys keys,
			DrbatchProperties.Recovery settings, Clock clock) {
		this.sources = sources;
		this.targets = targets;
		this.keys = keys;
		this.settings = settings;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		PitrRequest request = PitrRequest.of(job, this.sources, this.targets);
		RecoveryPlanner.Plan plan = request.plan();
		if (plan.base().encryptionKeyId() != null) {
			this.keys.requireKey(plan.base().encryptionKeyId(), "base backup " + plan.base().backupId());
		}
		RecoveryServer.Settings server = new RecoveryServer.Settings(this.settings.binDir(), this.settings.osUser());
		if (request.ours() && Files.exists(request.dataDir().resolve("postmaster.pid"))) {
			log.warn("pitr-restore {}: stopping the server an interrupted attempt left on {}", request.database(),
					request.dataDir());
			new RecoveryServer(server, plan.base().serverVersionNum() / 10000, request.dataDir(), request.port(),
					request.spool().resolve("postgresql.log"))
				.stop();
			Files.deleteIfExists(request.dataDir().resolve("postmaster.pid"));
		}
		request.checkDestination();
		RecoveryFiles.empty(request.dataDir());
		RecoveryFiles.empty(request.spool());
		Files.createDirectories(request.dataDir());
		Files.writeString(request.dataDir().resolve(RecoveryFiles.MARKER), request.jobInstanceId() + "\n");
		PointInTimeRecovery.Request recovery = new PointInTimeRecovery.Request(plan, request.archive(plan.base()),
				this.keys.forReading(), request.dataDir(), request.spool(), request.port(),
				this.sources.resolve(request.database()), server, this.settings.fetchParallel(),
				this.settings.lookahead(), this.settings.timeout());
		PointInTimeRecovery.Outcome outcome;
		try {
			outcome = PointInTimeRecovery.run(recovery);
		}
		catch (RuntimeException ex) {
			if (request.keepFailed()) {
				log.warn("pitr-restore {}: the failed recovery's directories are kept for forensics: {} and {}",
						request.database(), request.dataDir(), request.spool());
			}
			else {
				emptyQuietly(request);
			}
			throw ex;
		}
		long rtoMillis = Duration
			.between(job.getStartTime().atZone(ZoneId.systemDefault()).toInstant(), this.clock.instant())
			.toMillis();
		PitrRestoreContext.recordOutcome(job.getExecutionContext(), outcome, rtoMillis);
		String summary = String.format(
				"pitr-restore: %s recovered %s from base backup %s into %s: promoted at %s on timeline %d, last replayed"
						+ " commit %s; %d WAL segment(s) fetched; RTO %.1f s. PostgreSQL runs on 127.0.0.1:%d"
						+ " (stop it with: %s)",
				request.database(), plan.target().describe(), plan.base().backupId(), request.dataDir(),
				outcome.recovered().position(), outcome.recovered().timeline(),
				outcome.recovered().lastReplayedCommit() != null ? outcome.recovered().lastReplayedCommit() : "none",
				outcome.walSegments(), rtoMillis / 1000.0, request.port(), outcome.server().stopCommand());
		JobOutcome.record(job.getExecutionContext(), summary);
		log.info(summary);
		contribution.incrementWriteCount(1);
		return RepeatStatus.FINISHED;
	}

	private static void emptyQuietly(PitrRequest request) {
		try {
			RecoveryFiles.empty(request.dataDir());
			RecoveryFiles.empty(request.spool());
		}
		catch (UncheckedIOException ex) {
			log.warn("pitr-restore {}: cannot empty {}: {}", request.database(), request.dataDir(), ex.getMessage());
		}
	}

}
