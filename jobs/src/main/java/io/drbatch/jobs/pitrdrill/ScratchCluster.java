package io.drbatch.jobs.pitrdrill;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.recovery.RecoveryFiles;
import io.drbatch.recovery.RecoveryServer;

/**
 * The scratch data directory of one pitr-drill instance, its WAL spool beside it, and the
 * server that runs on it: {@code <drill.spool-dir>/drbatch-pitr-drill-<database>-<job
 * instance>} and {@code ....wal}. Named after the job instance, so a relaunch finds what
 * an interrupted attempt left and a later drill finds what a drill that was never
 * relaunched left. Removing stops the server first (fast, then immediate). Immutable.
 */
record ScratchCluster(Path dataDir, RecoveryServer.Settings server) {

	private static final Logger log = LoggerFactory.getLogger(ScratchCluster.class);

	static final String PREFIX = "drbatch-pitr-drill-";

	static ScratchCluster of(Path root, String database, long jobInstanceId, RecoveryServer.Settings server) {
		return new ScratchCluster(root.resolve(PREFIX + database + "-" + jobInstanceId).toAbsolutePath().normalize(),
				server);
	}

	Path spool() {
		return this.dataDir.resolveSibling(this.dataDir.getFileName() + ".wal");
	}

	Path logFile() {
		return spool().resolve("postgresql.log");
	}

	/**
	 * The job instance a scratch directory under {@code root} belongs to, if it is one of
	 * {@code database}'s.
	 */
	static Long instanceOf(Path dir, String database) {
		String name = dir.getFileName().toString();
		String prefix = PREFIX + database + "-";
		if (!name.startsWith(prefix) || name.endsWith(".wal")) {
			return null;
		}
		try {
			return Long.parseLong(name.substring(prefix.length()));
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/** Every scratch data directory of {@code database}'s drills under {@code root}. */
	static List<Path> all(Path root, String database) {
		if (!Files.isDirectory(root)) {
			return List.of();
		}
		try (Stream<Path> entries = Files.list(root)) {
			return entries.filter(dir -> instanceOf(dir, database) != null).toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot list " + root, ex);
		}
	}

	RecoveryServer serverOn(int majorVersion, int port) {
		return new RecoveryServer(this.server, majorVersion, this.dataDir, port, logFile());
	}

	/** Whether a server may run on the directory (its pid file is there). */
	boolean serverMayRun() {
		return Files.exists(this.dataDir.resolve("postmaster.pid"));
	}

	/**
	 * Stops a server running on the directory, if any: the major version is read from the
	 * directory's {@code PG_VERSION}.
	 */
	void stopServer() {
		if (!serverMayRun()) {
			return;
		}
		int major = majorVersion();
		if (major <= 0) {
			return;
		}
		log.info("pitr-drill: stopping the server on {}", this.dataDir);
		serverOn(major, 0).stop();
	}

	private int majorVersion() {
		try {
			return Integer.parseInt(Files.readString(this.dataDir.resolve("PG_VERSION")).strip());
		}
		catch (IOException | NumberFormatException ex) {
			return -1;
		}
	}

	/** Stops the server and removes the data directory and the spool. */
	void remove() {
		stopServer();
		for (Path dir : List.of(this.dataDir, spool())) {
			RecoveryFiles.empty(dir);
			try {
				Files.deleteIfExists(dir);
			}
			catch (IOException ex) {
				throw new UncheckedIOException("cannot remove " + dir, ex);
			}
		}
	}

	/** Stops the server and empties both directories, then creates the data directory. */
	void prepare() {
		remove();
		try {
			Files.createDirectories(this.dataDir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("cannot create " + this.dataDir, ex);
		}
	}

}
