package io.drbatch.jobs.walarchive;

import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.backup.WalArchiveRun;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.runcontrol.StopSignal;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.wal.Lsn;

/**
 * The wal-archive step: runs {@link WalArchiveRun} for the {@code database} parameter and
 * records in the job's execution context what it did ({@link WalArchiveContext}), for
 * history, status and metrics. Idempotent.
 */
class WalArchiveTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(WalArchiveTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final EncryptionKeys keys;

	private final DrbatchProperties.Lock lock;

	private final WalArchiveRun run;

	WalArchiveTasklet(SourceDatabases sources, StoreTargets targets, EncryptionKeys keys, DrbatchProperties.Lock lock,
			Clock clock, StopSignal stopSignal) {
		this.sources = sources;
		this.targets = targets;
		this.keys = keys;
		this.lock = lock;
		this.run = new WalArchiveRun(clock, stopSignal::requested);
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		String database = chunkContext.getStepContext().getStepExecution().getJobParameters().getString("database");
		if (database == null) {
			throw new io.drbatch.failure.DrbatchException(io.drbatch.failure.FailureKind.BAD_ARGUMENT,
					"no source has point-in-time recovery; set drbatch.sources[N].pitr.enabled=true");
		}
		WalArchiveRun.Report report = this.run.run(this.sources.resolve(database), this.sources.settings(database),
				new WalArchiveRun.Destination(this.targets.primary(), this.keys.forWriting().orElse(null), this.lock),
				systemIdentifier -> new BaseBackupCatalog(this.targets.primary()).newest(database, systemIdentifier)
					.map(newest -> Lsn.parse(newest.startLsn())));
		ExecutionContext context = chunkContext.getStepContext()
			.getStepExecution()
			.getJobExecution()
			.getExecutionContext();
		WalArchiveContext.record(context, report);
		contribution.incrementWriteCount(report.segmentsStored());
		log.info(
				"wal-archive {}: {} segment(s) stored ({} bytes), {} already there; the archive holds WAL up to {} "
						+ "(the server was at {} when the run began); the slot keeps {} bytes",
				database, report.segmentsStored(), report.bytesStored(), report.segmentsAlreadyThere(),
				report.archivedThrough(), report.serverAt(), report.slotRetainedBytes());
		return RepeatStatus.FINISHED;
	}

}
