package io.drbatch.jobs.dailydump;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.transfer.DumpStreamer;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectInfo;
import io.drbatch.store.ObjectStore;

/**
 * Streams a fresh dump of the source into the backup's folder and records a manifest
 * draft in the job execution context. On a relaunch it first aborts multipart uploads and
 * deletes objects that an interrupted attempt left in the folder (they have no manifest,
 * so they are not a backup); if the folder already holds a manifest (the job died after
 * publishing), the dump is not repeated.
 */
class DumpTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(DumpTasklet.class);

	private final SourceDatabases sources;

	private final StoreTargets targets;

	private final DumpStreamer streamer;

	private final DrbatchProperties.Dump settings;

	private final io.drbatch.jobs.wiring.EncryptionKeys keys;

	DumpTasklet(SourceDatabases sources, StoreTargets targets, DumpStreamer streamer, DrbatchProperties.Dump settings,
			io.drbatch.jobs.wiring.EncryptionKeys keys) {
		this.keys = keys;
		this.sources = sources;
		this.targets = targets;
		this.streamer = streamer;
		this.settings = settings;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		String database = job.getJobParameters().getString("database");
		String backupId = context.getString(DailyDumpContext.BACKUP_ID);
		String folder = BackupLayout.folder(DailyDumpContext.TIER, database, backupId);
		String manifestKey = BackupLayout.manifestKey(DailyDumpContext.TIER, database, backupId);
		ObjectStore store = this.targets.primary();

		if (store.head(manifestKey).isPresent()) {
			log.info("Backup {} is already published on target '{}'; not dumping again", folder, store.name());
			context.putString(DailyDumpContext.MANIFEST_DRAFT,
					ManifestJson.writeString(new BackupCatalog(store).read(manifestKey)));
			return RepeatStatus.FINISHED;
		}
		removeLeftovers(store, folder);

		PgConnectionSpec source = this.sources.resolve(database);
		String dumpKey = BackupLayout.dumpKey(DailyDumpContext.TIER, database, backupId, this.settings.format(),
				this.settings.compression());
		DumpStreamer.Outcome outcome = this.streamer.dump(source, store, dumpKey);

		BackupManifest draft = new BackupManifest(BackupManifest.FORMAT_VERSION, backupId, database,
				DailyDumpContext.TIER, null,
				new BackupManifest.Source(source.database(), source.host(), source.port(), outcome.serverVersion(),
						outcome.serverVersionNum(), outcome.snapshotTime(), outcome.snapshotId(),
						outcome.snapshotWalPosition(), outcome.snapshotWalPositionExact(),
						outcome.snapshotTransactions()),
				new BackupManifest.Dump(this.settings.format().id(), outcome.pgDumpVersion(),
						this.settings.compression().id(), this.settings.level(),
						this.keys.forWriting().map(io.drbatch.codec.StreamEncryption::keyId).orElse(null),
						outcome.uncompressedBytes(), outcome.duration().toMillis()),
				List.of(new BackupManifest.StoredObject("dump", dumpKey, outcome.upload().size(),
						outcome.upload().sha256(), outcome.upload().compositeChecksum(), outcome.upload().partCount(),
						outcome.upload().partSize())),
				outcome.tables()
					.stream()
					.map(t -> new BackupManifest.TableRows(t.schema(), t.table(), t.rows()))
					.toList(),
				null);
		context.putString(DailyDumpContext.MANIFEST_DRAFT, ManifestJson.writeString(draft));
		context.putLong(DailyDumpContext.BYTES_IN, outcome.uncompressedBytes());
		context.putLong(DailyDumpContext.BYTES_OUT, outcome.upload().size());
		context.putDouble(DailyDumpContext.COMPRESSION_RATIO,
				outcome.upload().size() == 0 ? 0 : (double) outcome.uncompressedBytes() / outcome.upload().size());
		context.putLong(DailyDumpContext.DUMP_MILLIS, outcome.duration().toMillis());
		context.putInt(DailyDumpContext.TABLES, outcome.tables().size());
		contribution.incrementWriteCount(outcome.tables().size());
		return RepeatStatus.FINISHED;
	}

	private static void removeLeftovers(ObjectStore store, String folder) {
		for (ObjectStore.PendingUpload upload : store.pendingUploads(folder)) {
			log.warn("Aborting multipart upload {} of {} left by an interrupted attempt", upload.uploadId(),
					upload.key());
			store.abort(upload);
		}
		for (ObjectInfo leftover : store.list(folder)) {
			log.warn("Deleting {} left without a manifest by an interrupted attempt", leftover.key());
			store.delete(leftover.key());
		}
	}

}
