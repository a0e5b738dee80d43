package io.drbatch.jobs.basebackup;

import java.time.Clock;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupCatalog;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.BaseBackupStreamer;
import io.drbatch.wal.WalSegment;
import io.drbatch.wal.WalSource;

/**
 * The backup step of base-backup: checks the source as the WAL archive does, chooses the
 * backup id (saved in the job repository before anything is uploaded, and kept on
 * relaunch), removes what an interrupted attempt left in its folder (an open upload, an
 * object without manifest), streams the base backup ({@link BaseBackupStreamer}) and
 * leaves the manifest's draft for the publish step.
 */
class BaseBackupTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(BaseBackupTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final BaseBackupStreamer streamer;

	private final EncryptionKeys keys;

	private final Clock clock;

	private final JobRepository jobRepository;

	BaseBackupTasklet(SourceDatabases sources, StoreTargets targets, BaseBackupStreamer streamer, EncryptionKeys keys,
			Clock clock, JobRepository jobRepository) {
		this.jobRepository = jobRepository;
		this.sources = sources;
		this.targets = targets;
		this.streamer = streamer;
		this.keys = keys;
		this.clock = clock;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		PgConnectionSpec source = this.sources.resolve(database);
		WalSource.Facts facts;
		try (WalSource server = new WalSource(source)) {
			facts = server.facts();
		}
		WalSource.check(facts, database);
		if (!context.containsKey(BaseBackupContext.BACKUP_ID)) {
			context.putString(BaseBackupContext.BACKUP_ID, BackupLayout.newBackupId(this.clock.instant()));
			// saved before the first byte is uploaded: a relaunch after a kill mid-upload
			// finds the same folder and removes what the killed attempt left in it
			this.jobRepository.updateExecutionContext(job);
		}
		String backupId = context.getString(BaseBackupContext.BACKUP_ID);
		ObjectStore store = this.targets.primary();
		String folder = BaseBackupCatalog.folder(database, backupId);
		for (ObjectStore.PendingUpload leftover : store.pendingUploads(folder)) {
			log.warn("base-backup {}: aborting upload {} of {} left by an interrupted attempt", database,
					leftover.uploadId(), leftover.key());
			store.abort(leftover);
		}
		for (ObjectInfo leftover : store.list(folder)) {
			log.warn("base-backup {}: deleting {} left by an interrupted attempt", database, leftover.key());
			store.delete(leftover.key());
		}
		String key = BaseBackupCatalog.dataKey(database, backupId);
		BaseBackupStreamer.Outcome outcome = this.streamer.backup(source, store, key);
		long segmentSize = facts.segmentSize();
		BaseBackupManifest draft = new BaseBackupManifest(BaseBackupManifest.FORMAT_VERSION, backupId, database, null,
				facts.systemIdentifier(), facts.serverVersion(), facts.serverVersionNum(), outcome.timeline(),
				outcome.startLsn().toString(), outcome.stopLsn().toString(),
				WalSegment.containing(outcome.timeline(), outcome.startLsn(), segmentSize).name(),
				WalSegment.containing(outcome.timeline(), outcome.stopLsn().plus(-1), segmentSize).name(),
				outcome.started(), outcome.stopped(), segmentSize, "zstd",
				this.keys.forWriting().map(k -> k.keyId()).orElse(null), outcome.tarBytes(),
				List.of(new BackupManifest.StoredObject("base", key, outcome.upload().size(), outcome.upload().sha256(),
						outcome.upload().compositeChecksum(), outcome.upload().partCount(),
						outcome.upload().partSize())),
				null, null);
		context.putString(BaseBackupContext.DRAFT,
				new String(ManifestJson.write(draft), java.nio.charset.StandardCharsets.UTF_8));
		context.putLong("drbatch.bytes.in", outcome.tarBytes());
		context.putLong("drbatch.bytes.out", outcome.upload().size());
		contribution.incrementWriteCount(1);
		return RepeatStatus.FINISHED;
	}

}
