package io.drbatch.jobs.restore;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.codec.Compression;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.transfer.BackupDownloader;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.restore.PgServer;
import io.drbatch.jobs.wiring.EncryptionKeys;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.ChildProcess;
import io.drbatch.pg.DumpFormat;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.StreamingPgRestore;
import io.drbatch.store.ObjectStore;

/**
 * Restores the chosen backup into a new database (the drill's scratch database or the
 * recovery's target, dropped first when the select step chose to replace it) while
 * downloading it: the custom format through {@link StreamingPgRestore} (schema as soon as
 * the table of contents arrives; tables' rows in slices over
 * {@code drbatch.drill.restore-jobs} connections, as they arrive with
 * {@code drbatch.drill.load-during-download}, else after the download is verified; once
 * it is verified, each table's own indexes as soon as its rows are in, and the rest with
 * {@code pg_restore -j}), plain SQL streamed into {@code psql}. Every stored byte is
 * checked against the manifest; when the check fails the database, which then holds
 * unverified data, is dropped and the step fails naming the object. The spool file is
 * removed whatever happens (a killed attempt's spool files are removed by the relaunch).
 * A relaunch drops the database left by the interrupted attempt (the intent to create it
 * is recorded before it is created) and starts the restore again.
 */
class RestoreTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(RestoreTasklet.class);

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final DrbatchProperties.Drill settings;

	private final org.springframework.batch.core.repository.JobRepository jobRepository;

	private final EncryptionKeys keys;

	RestoreTasklet(StoreTargets targets, RestoreDestination destination, DrbatchProperties.Drill settings,
			org.springframework.batch.core.repository.JobRepository jobRepository, EncryptionKeys keys) {
		this.jobRepository = jobRepository;
		this.keys = keys;
		this.targets = targets;
		this.destination = destination;
		this.settings = settings;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		ObjectStore store = DrillContext.backupStore(this.targets, job.getExecutionContext());
		BackupManifest manifest = new BackupCatalog(store).read(context.getString(DrillContext.MANIFEST_KEY));
		PgServer server = this.destination.server(job);
		String target = context.getString(DrillContext.TARGET_DATABASE);
		if (context.containsKey(DrillContext.TARGET_CREATED)) {
			log.warn("Dropping database {} left by an interrupted attempt", target);
			server.drop(target);
		}
		else if (context.containsKey(DrillContext.TARGET_REPLACED)) {
			log.warn("Dropping database {} on {} to restore into it", target, server.describe());
			server.drop(target);
		}
		BackupManifest.StoredObject dump = manifest.objects().get(0);
		DumpFormat format = DumpFormat.fromId(manifest.dump().format());
		this.keys.requireKey(manifest.dump().encryptionKeyId(), manifest.backupId());
		context.putLong(DrillContext.COLD_WAIT_MILLIS, ColdStorage.awaitReadable(store, dump.key(), this.settings));
		long restoreStarted = System.nanoTime();
		// recorded in the job repository before the database exists: a process killed
		// right after creating it
		// leaves the flag behind, and the relaunch drops the database instead of failing
		// on "already exists"
		context.putString(DrillContext.TARGET_CREATED, "true");
		this.jobRepository.updateExecutionContext(job);
		server.create(target);
		PgConnectionSpec spec = server.spec(target);
		BackupDownloader.Downloaded downloaded;
		try (BackupDownloader.Stream stream = new BackupDownloader().open(store, dump,
				Compression.fromId(manifest.dump().compression()), manifest.dump().encryptionKeyId(),
				this.keys.forReading())) {
			downloaded = format == DumpFormat.CUSTOM ? restoreArchive(stream, spec) : restoreScript(stream, spec);
		}
		catch (DrbatchException ex) {
			if (ex.kind() == FailureKind.INTEGRITY) {
				log.warn("Dropping database {}: it holds data restored from {}, which failed verification", target,
						dump.key());
				server.drop(target);
				context.remove(DrillContext.TARGET_CREATED);
			}
			throw ex;
		}
		long restoreMillis = (System.nanoTime() - restoreStarted) / 1_000_000;
		context.putLong(DrillContext.DOWNLOAD_MILLIS, downloaded.duration().toMillis());
		context.putLong(DrillContext.RESTORE_MILLIS, restoreMillis);
		log.info("Restored {} into {} in {} ms; {} ({} bytes stored, {} bytes dump) downloaded and verified in {} ms",
				manifest.backupId(), target, restoreMillis, dump.key(), downloaded.storedBytes(),
				downloaded.spooledBytes(), downloaded.duration().toMillis());
		return RepeatStatus.FINISHED;
	}

	/**
	 * A custom-format archive: restored by {@link StreamingPgRestore} while it downloads,
	 * through a spool file (pg_restore needs a seekable file), which is removed
	 * afterwards.
	 */
	private BackupDownloader.Downloaded restoreArchive(BackupDownloader.Stream stream, PgConnectionSpec target)
			throws IOException {
		// named after the database restored into, which is this drill's or restore's own:
		// files of that name are
		// what a killed attempt of it left (the spool and its pg_restore list files),
		// removed before starting again
		String prefix = "drbatch-restore-" + target.database() + "-";
		try (var leftovers = Files.newDirectoryStream(this.settings.spoolDir(), prefix + "*")) {
			for (Path leftover : leftovers) {
				log.warn("Removing {} left by an interrupted attempt", leftover);
				Files.deleteIfExists(leftover);
			}
		}
		Path spool = Files.createTempFile(this.settings.spoolDir(), prefix, ".pgdump");
		StreamingPgRestore restore = new StreamingPgRestore(this.settings.pgRestorePath(), target,
				this.settings.restoreJobs(), this.settings.loadDuringDownload(), spool);
		BackupDownloader.Downloaded[] downloaded = new BackupDownloader.Downloaded[1];
		try {
			StreamingPgRestore.Outcome outcome = restore.restore(stream, () -> downloaded[0] = stream.finish(spool));
			log.info(
					"Restore: schema after {} ms, stream verified after {} ms with {} slices of rows loaded meanwhile "
							+ "({} in all; 0: rows left to pg_restore), done after {} ms",
					outcome.preDataMillis(), outcome.streamMillis(), outcome.slicesLoadedWhileStreaming(),
					outcome.slices(), outcome.totalMillis());
			return downloaded[0];
		}
		finally {
			Files.deleteIfExists(spool);
			restore.deleteListFiles();
		}
	}

	/**
	 * A plain SQL script: streamed into psql as it downloads, with no local copy;
	 * verified when it ends.
	 */
	private BackupDownloader.Downloaded restoreScript(BackupDownloader.Stream stream, PgConnectionSpec target) {
		List<String> command = List.of(this.settings.psqlPath(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--no-password",
				"--host=" + target.host(), "--port=" + target.port(), "--username=" + target.username(),
				"--dbname=" + target.database());
		try (ChildProcess process = ChildProcess.start(command, target, false)) {
			Thread drain = new Thread(() -> {
				try (InputStream out = process.stdout()) {
					out.transferTo(OutputStream.nullOutputStream());
				}
				catch (IOException ex) {
					// psql went away; its exit status says why
				}
			}, "psql-stdout");
			drain.start();
			try (OutputStream in = process.stdin()) {
				stream.transferTo(in);
			}
			catch (IOException ex) {
				// psql stopped reading (ON_ERROR_STOP): a corrupt script explains that
				// best, else psql's own error
				stream.finish(null);
				process.waitForSuccess();
				throw new UncheckedIOException("restore into " + target.database() + " failed", ex);
			}
			BackupDownloader.Downloaded downloaded = stream.finish(null);
			process.waitForSuccess();
			return downloaded;
		}
	}

}
