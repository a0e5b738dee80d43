package io.drbatch.jobs.pitrrestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.wiring.SourceDatabases;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.recovery.RecoveryFiles;
import io.drbatch.recovery.RecoveryPlanner;
import io.drbatch.recovery.RecoveryTarget;
import io.drbatch.store.ObjectStore;
import io.drbatch.wal.WalArchive;

/**
 * One pitr-restore request read from its job parameters, and what both of its steps
 * derive from it: the store read, the plan (made from the bucket's listings, so the plan
 * step and the recover step agree), and the data directory's and port's checks.
 * Immutable.
 */
record PitrRequest(String database, RecoveryTarget target, Path dataDir, int port, ObjectStore store, boolean force,
		boolean keepFailed, long jobInstanceId) {

	static PitrRequest of(JobExecution job, SourceDatabases sources, StoreTargets targets) {
		JobParameters parameters = job.getJobParameters();
		String database = parameters.getString("database");
		String dataDir = parameters.getString("data.dir");
		if (dataDir == null || dataDir.isBlank()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"a point-in-time recovery needs the data directory to recover into (--data-dir DIR)");
		}
		String from = parameters.getString("target");
		return new PitrRequest(sources.checkPitrName(database),
				RecoveryTarget.parse(parameters.getString("recovery.target", "latest")),
				Path.of(dataDir).toAbsolutePath().normalize(), Integer.parseInt(parameters.getString("port", "5433")),
				from != null ? targets.get(from) : targets.primary(),
				Boolean.parseBoolean(parameters.getString("force", "false")),
				Boolean.parseBoolean(parameters.getString("keep.failed", "false")),
				job.getJobInstance().getInstanceId());
	}

	/** The folder WAL is prefetched into: beside the data directory, never inside it. */
	Path spool() {
		return this.dataDir.resolveSibling(this.dataDir.getFileName() + ".wal");
	}

	/** The plan, from the base backups of the newest base backup's system. */
	RecoveryPlanner.Plan plan() {
		return RecoveryPlanner.plan(this.store, this.database, this.target);
	}

	WalArchive archive(BaseBackupManifest base) {
		return RecoveryPlanner.archive(this.store, this.database, base);
	}

	/** Whether the data directory is one this job instance recovered into before. */
	boolean ours() {
		try {
			Path marker = this.dataDir.resolve(RecoveryFiles.MARKER);
			return Files.isRegularFile(marker)
					&& Files.readString(marker).strip().equals(String.valueOf(this.jobInstanceId));
		}
		catch (IOException ex) {
			return false;
		}
	}

	/**
	 * Refuses a data directory that is not empty (unless it is this request's own, or
	 * {@code force} was given) and a port that is taken.
	 */
	void checkDestination() {
		if (Files.exists(this.dataDir) && !Files.isDirectory(this.dataDir)) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "the data directory " + this.dataDir + " is a file");
		}
		if (Files.exists(this.dataDir.resolve("postmaster.pid"))) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"the data directory " + this.dataDir
							+ " holds postmaster.pid: a server may be running on it; stop it (pg_ctl -D " + this.dataDir
							+ " stop) or choose another directory");
		}
		if (!ours() && !this.force && !isEmpty(this.dataDir)) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "the data directory " + this.dataDir
					+ " is not empty; recover into a new or empty directory, or pass --force to replace it");
		}
		try (ServerSocket socket = new ServerSocket(this.port, 1, InetAddress.getLoopbackAddress())) {
			socket.setReuseAddress(true);
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"port " + this.port + " on 127.0.0.1 is in use; choose another with --port");
		}
	}

	static boolean isEmpty(Path dir) {
		if (!Files.exists(dir)) {
			return true;
		}
		try (Stream<Path> entries = Files.list(dir)) {
			return entries.findAny().isEmpty();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
