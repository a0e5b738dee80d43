package io.drbatch.recovery;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.pg.PgLogins;
import io.drbatch.wal.Lsn;

/**
 * A PostgreSQL server started on a recovered data directory with the installation's own
 * {@code pg_ctl} (the binaries of the backup's major version): started without waiting,
 * then watched until recovery promoted it at its target, and stopped. As root it runs as
 * the configured operating-system user (PostgreSQL refuses to run as root), who is given
 * the directories first. A server that stops during recovery is reported with the lines
 * of its log that say why: "recovery ended before configured recovery target was reached"
 * is the archive running out of WAL. Not thread-safe; one instance per recovery.
 */
public final class RecoveryServer {

	private static final Logger log = LoggerFactory.getLogger(RecoveryServer.class);

	/**
	 * Where the server binaries are and whom the server runs as.
	 * @param binDir the folder of pg_ctl, or {@code null} for
	 * {@code /usr/lib/postgresql/<major>/bin} or else {@code pg_config --bindir}
	 * @param osUser the user the server runs as when drbatch runs as root
	 */
	/** PostgreSQL's words when replay ran out of WAL before the recovery target. */
	static final String ENDED_BEFORE_TARGET = "recovery ended before configured recovery target was reached";

	public record Settings(Path binDir, String osUser) {
	}

	/** Where the recovery stopped. */
	public record Recovered(Instant lastReplayedCommit, Lsn position, int timeline) {
	}

	private final Path binDir;

	private final String osUser;

	private final Path data;

	private final int port;

	private final Path logFile;

	public RecoveryServer(Settings settings, int majorVersion, Path data, int port, Path logFile) {
		this.binDir = binDir(settings.binDir(), majorVersion);
		this.osUser = isRoot() ? settings.osUser() : null;
		this.data = data;
		this.port = port;
		this.logFile = logFile;
	}

	static Path binDir(Path configured, int majorVersion) {
		if (configured != null) {
			return configured;
		}
		Path debian = Path.of("/usr/lib/postgresql", String.valueOf(majorVersion), "bin");
		if (Files.isExecutable(debian.resolve("pg_ctl"))) {
			return debian;
		}
		try {
			Process process = new ProcessBuilder("pg_config", "--bindir").redirectErrorStream(true).start();
			String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
			if (process.waitFor() == 0 && Files.isExecutable(Path.of(out, "pg_ctl"))) {
				return Path.of(out);
			}
		}
		catch (IOException ex) {
			// no pg_config: reported below
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		throw new DrbatchException(FailureKind.TOOL_MISMATCH,
				"no PostgreSQL " + majorVersion + " server binaries (pg_ctl) found in " + debian
						+ " nor by pg_config; install them or set drbatch.recovery.bin-dir");
	}

	private static boolean isRoot() {
		return "root".equals(System.getProperty("user.name"));
	}

	public Path binDir() {
		return this.binDir;
	}

	/** Hands {@code paths} to the server's user when drbatch runs as root. */
	public void handOver(Path... paths) {
		if (this.osUser == null) {
			return;
		}
		for (Path path : paths) {
			run(List.of("chown", "-R", this.osUser + ":", path.toString()), Duration.ofMinutes(10));
		}
	}

	public void start() {
		log.info("recovery: starting PostgreSQL on {} (port {}, log {})", this.data, this.port, this.logFile);
		run(asServerUser(List.of(this.binDir.resolve("pg_ctl").toString(), "-D", this.data.toString(), "-l",
				this.logFile.toString(), "-W", "start")), Duration.ofMinutes(1));
		// pg_ctl -W returns once the postmaster is forked; it writes its pid file a
		// moment
		// later, or stops at once on a bad setting
		Instant deadline = Instant.now().plusSeconds(60);
		while (!Files.exists(this.data.resolve("postmaster.pid"))) {
			if (fatalLogged() || Instant.now().isAfter(deadline)) {
				sleep(500);
				if (!running()) {
					throw stoppedDuringRecovery();
				}
				break;
			}
			sleep(50);
		}
	}

	private boolean fatalLogged() {
		try {
			return Files.exists(this.logFile) && Files.readString(this.logFile).matches("(?s).*\\b(FATAL|PANIC):.*");
		}
		catch (IOException ex) {
			return false;
		}
	}

	/** Whether the server's postmaster runs (pg_ctl status). */
	public boolean running() {
		return exitCode(
				asServerUser(List.of(this.binDir.resolve("pg_ctl").toString(), "-D", this.data.toString(), "status")),
				Duration.ofSeconds(30)) == 0;
	}

	/**
	 * Waits until recovery promoted the server at its target.
	 * @param login a role of the recovered cluster (the source's own login)
	 * @param fetchFailure why fetching WAL failed, if it did: the recovery cannot go on
	 */
	public Recovered awaitPromotion(PgConnectionSpec login, Duration timeout,
			Supplier<Optional<DrbatchException>> fetchFailure) {
		Instant deadline = Instant.now().plus(timeout);
		String lastProblem = "no connection yet";
		while (true) {
			Optional<DrbatchException> failed = fetchFailure.get();
			if (failed.isPresent()) {
				throw failed.get();
			}
			if (!running()) {
				throw stoppedDuringRecovery();
			}
			try (Connection connection = login.open("drbatch-recovery");
					Statement statement = connection.createStatement();
					ResultSet rs = statement.executeQuery("SELECT pg_is_in_recovery(), pg_last_xact_replay_timestamp(),"
							+ " pg_current_wal_insert_lsn()::text, (SELECT timeline_id FROM pg_control_checkpoint())"
							+ " WHERE NOT pg_is_in_recovery()")) {
				if (rs.next()) {
					Timestamp replayed = rs.getTimestamp(2);
					return new Recovered(replayed != null ? replayed.toInstant() : null, Lsn.parse(rs.getString(3)),
							rs.getInt(4));
				}
				lastProblem = "still in recovery";
			}
			catch (DrbatchException | java.sql.SQLException ex) {
				if (ex instanceof DrbatchException failure && failure.kind() == FailureKind.DATABASE_LOGIN_REFUSED
						|| PgLogins.refused(ex)) {
					throw new DrbatchException(FailureKind.DATABASE_LOGIN_REFUSED,
							"the recovered server on port " + login.port() + " refuses drbatch's login '"
									+ login.username() + "': " + ex.getMessage() + "; its "
									+ this.data.resolve("pg_hba.conf") + " must let that role in from 127.0.0.1",
							ex);
				}
				lastProblem = ex.getMessage();
			}
			if (Instant.now().isAfter(deadline)) {
				throw new DrbatchException(FailureKind.TOOL_FAILED, "recovery on " + this.data
						+ " did not finish within " + timeout + " (" + lastProblem + "); its log: " + this.logFile);
			}
			sleep(200);
		}
	}

	private DrbatchException stoppedDuringRecovery() {
		List<String> why = new ArrayList<>();
		try {
			for (String line : Files.readAllLines(this.logFile)) {
				if (line.matches(".*\\b(FATAL|PANIC|ERROR):.*")
						|| line.matches(".*LOG: .*(invalid|unrecognized|could not|missing|cannot).*")) {
					why.add(line.replaceFirst("^.*?\\b(FATAL|PANIC|ERROR|LOG):\\s*", "$1: "));
				}
			}
		}
		catch (IOException ex) {
			why.add("(its log " + this.logFile + " cannot be read: " + ex.getMessage() + ")");
		}
		String reasons = why.isEmpty() ? "no FATAL line in " + this.logFile : String.join("; ", why);
		if (reasons.contains(ENDED_BEFORE_TARGET)) {
			return new DrbatchException(FailureKind.WAL_CHAIN_BROKEN,
					"recovery ran out of WAL before its target: " + reasons + " (log: " + this.logFile + ")");
		}
		return new DrbatchException(FailureKind.TOOL_FAILED,
				"PostgreSQL stopped during recovery: " + reasons + " (log: " + this.logFile + ")");
	}

	/** The shell command an operator stops this server with. */
	public String stopCommand() {
		return String.join(" ", asServerUser(
				List.of(this.binDir.resolve("pg_ctl").toString(), "-D", this.data.toString(), "-m", "fast", "stop")));
	}

	/** Stops the server (fast, then immediate); nothing when it is not running. */
	public void stop() {
		List<String> fast = asServerUser(List.of(this.binDir.resolve("pg_ctl").toString(), "-D", this.data.toString(),
				"-m", "fast", "-w", "-t", "60", "stop"));
		if (running() && exitCode(fast, Duration.ofSeconds(90)) != 0 && running()) {
			exitCode(asServerUser(List.of(this.binDir.resolve("pg_ctl").toString(), "-D", this.data.toString(), "-m",
					"immediate", "-w", "stop")), Duration.ofSeconds(60));
		}
	}

	private List<String> asServerUser(List<String> command) {
		if (this.osUser == null) {
			return command;
		}
		List<String> wrapped = new ArrayList<>(List.of("runuser", "-u", this.osUser, "--"));
		wrapped.addAll(command);
		return wrapped;
	}

	private static void run(List<String> command, Duration timeout) {
		StringBuilder output = new StringBuilder();
		int code = exitCode(command, timeout, output);
		if (code != 0) {
			throw new DrbatchException(FailureKind.TOOL_FAILED,
					String.join(" ", command) + " exited with status " + code + ": " + output.toString().strip());
		}
	}

	private static int exitCode(List<String> command, Duration timeout) {
		return exitCode(command, timeout, new StringBuilder());
	}

	private static int exitCode(List<String> command, Duration timeout, StringBuilder output) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
				.start();
			byte[] bytes = process.getInputStream().readAllBytes();
			output.append(new String(bytes, StandardCharsets.UTF_8));
			if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
				process.destroyForcibly();
				return -1;
			}
			return process.exitValue();
		}
		catch (IOException ex) {
			throw new DrbatchException(FailureKind.TOOL_MISMATCH,
					"cannot run " + command.get(0) + ": " + ex.getMessage(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return -1;
		}
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new DrbatchException(FailureKind.TOOL_FAILED, "interrupted while waiting for recovery");
		}
	}

}
