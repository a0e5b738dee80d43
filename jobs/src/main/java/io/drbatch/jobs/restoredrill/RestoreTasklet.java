package io.drbatch.jobs.restoredrill;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
import io.drbatch.item.BackupDownloader;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.support.PgServer;
import io.drbatch.jobs.support.StoreTargets;
import io.drbatch.manifest.BackupCatalog;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.pg.ChildProcess;
import io.drbatch.pg.DumpFormat;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.store.ObjectStore;

/**
 * Downloads the chosen backup into the spool folder, verifying every stored byte against the manifest, then
 * restores it into a new database (the drill's scratch database or the recovery's target, dropped first when
 * the select step chose to replace it): {@code pg_restore -j} for the custom format, {@code psql} for plain
 * SQL. The spool file is removed whatever happens. A relaunch drops the database left by the interrupted
 * attempt and starts the restore again.
 */
class RestoreTasklet implements Tasklet {

	private static final Logger log = LoggerFactory.getLogger(RestoreTasklet.class);

	private final StoreTargets targets;

	private final RestoreDestination destination;

	private final DrbatchProperties.Drill settings;

	RestoreTasklet(StoreTargets targets, RestoreDestination destination, DrbatchProperties.Drill settings) {
		this.targets = targets;
		this.destination = destination;
		this.settings = settings;
	}

	@Override
	public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws IOException {
		JobExecution job = chunkContext.getStepContext().getStepExecution().getJobExecution();
		ExecutionContext context = job.getExecutionContext();
		ObjectStore store = this.targets.primary();
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
		Path spool = Files.createTempFile(this.settings.spoolDirOrTemp(), "drbatch-drill-", "." + format.extension());
		try {
			BackupDownloader.Downloaded downloaded = new BackupDownloader().download(store, dump,
					Compression.fromId(manifest.dump().compression()), spool);
			context.putLong(DrillContext.DOWNLOAD_MILLIS, downloaded.duration().toMillis());
			log.info("Downloaded and verified {} ({} bytes stored, {} bytes dump) in {} ms", dump.key(),
					downloaded.storedBytes(), downloaded.spooledBytes(), downloaded.duration().toMillis());

			long restoreStarted = System.nanoTime();
			server.create(target);
			context.putString(DrillContext.TARGET_CREATED, "true");
			restore(format, server.spec(target), spool);
			long restoreMillis = (System.nanoTime() - restoreStarted) / 1_000_000;
			context.putLong(DrillContext.RESTORE_MILLIS, restoreMillis);
			log.info("Restored {} into {} in {} ms", manifest.backupId(), target, restoreMillis);
		}
		finally {
			Files.deleteIfExists(spool);
		}
		return RepeatStatus.FINISHED;
	}

	private void restore(DumpFormat format, PgConnectionSpec target, Path spool) {
		List<String> command = new ArrayList<>();
		if (format == DumpFormat.CUSTOM) {
			command.addAll(List.of(this.settings.pgRestorePath(), "--no-owner", "--exit-on-error",
					"--jobs=" + this.settings.restoreJobs()));
		}
		else {
			command.addAll(List.of(this.settings.psqlPath(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--file=" + spool));
		}
		command.addAll(List.of("--no-password", "--host=" + target.host(), "--port=" + target.port(),
				"--username=" + target.username(), "--dbname=" + target.database()));
		if (format == DumpFormat.CUSTOM) {
			command.add(spool.toString());
		}
		try (ChildProcess process = ChildProcess.start(command, target, false)) {
			process.stdin().close();
			try (InputStream out = process.stdout()) {
				out.transferTo(java.io.OutputStream.nullOutputStream());
			}
			process.waitForSuccess();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("restore into " + target.database() + " failed", ex);
		}
	}

}
