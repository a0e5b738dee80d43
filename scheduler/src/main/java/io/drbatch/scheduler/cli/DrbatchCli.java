package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import io.drbatch.failure.DrbatchException;

/**
 * The {@code drbatch} command line. Arguments are parsed before Spring starts, so a usage
 * error costs no startup; then the application context starts (configuration is bound and
 * validated, the job repository schema is ensured) and the chosen {@link Operation} runs.
 * Every failure ends as one line on standard error, {@code drbatch: error: ...}, and an
 * {@link ExitCode}; unexpected errors also log their stack trace.
 *
 * <p>
 * One class by design: each subcommand is a small nested class whose picocli annotations
 * are its usage text, and reading them side by side is how the whole command line is
 * reviewed; what the commands do lives in {@link JobControl}, {@link Listings} and
 * {@link RecoveryStatus}.
 */
@Command(name = "drbatch", mixinStandardHelpOptions = true, versionProvider = DrbatchCli.Version.class,
		description = "PostgreSQL disaster recovery as restartable batch jobs.",
		subcommands = { DrbatchCli.Run.class, DrbatchCli.Restore.class, DrbatchCli.Status.class,
				DrbatchCli.History.class, DrbatchCli.Backups.class, DrbatchCli.Drills.class, DrbatchCli.Restart.class,
				DrbatchCli.Stop.class, DrbatchCli.Abandon.class, DrbatchCli.Lock.class, DrbatchCli.Wal.class,
				DrbatchCli.Scheduler.class, DrbatchCli.Web.class, DrbatchCli.Warmup.class, DrbatchCli.Decrypt.class })
public class DrbatchCli {

	private static final Logger log = LoggerFactory.getLogger(DrbatchCli.class);

	@Option(names = "--config", paramLabel = "FILE", description = "extra configuration file (YAML or properties)")
	Path config;

	@Option(names = "--set", paramLabel = "KEY=VALUE",
			description = "override one configuration key, e.g. drbatch.dump.level=5")
	Map<String, String> overrides = new LinkedHashMap<>();

	private final Class<?> application;

	private final PrintStream err;

	public DrbatchCli(Class<?> application) {
		this(application, System.err);
	}

	DrbatchCli(Class<?> application, PrintStream err) {
		this.application = application;
		this.err = err;
	}

	/** One thing the CLI does once the application context is up. */
	interface Operation {

		ExitCode execute(Commands commands);

		/** What SIGTERM does while this operation runs: stop the running job, if any. */
		default void signal(Commands commands) {
			commands.control().stopRunningJobs();
		}

	}

	/**
	 * The usage footer: every exit code and its meaning, from {@link ExitCode} itself.
	 */
	static String[] exitCodeFooter() {
		java.util.List<String> lines = new ArrayList<>(List.of("", "Exit codes:"));
		for (ExitCode code : ExitCode.values()) {
			lines.add(String.format("  %3d  %s", code.code(), code.meaning()));
		}
		return lines.toArray(String[]::new);
	}

	public int execute(String... args) {
		GracefulShutdown shutdown = new GracefulShutdown();
		shutdown.install();
		int code = ExitCode.INTERNAL_ERROR.code();
		try {
			code = execute(shutdown, args);
			return code;
		}
		finally {
			// also when an Error escapes (a class that cannot load): the shutdown hook
			// must not wait for a CLI
			// that will never report
			shutdown.finished(code);
		}
	}

	private int execute(GracefulShutdown shutdown, String... args) {
		CommandLine commandLine = new CommandLine(this);
		commandLine.setCaseInsensitiveEnumValuesAllowed(true);
		commandLine.getCommandSpec().usageMessage().footer(exitCodeFooter());
		CommandLine.ParseResult parsed;
		try {
			parsed = commandLine.parseArgs(args);
		}
		catch (CommandLine.ParameterException ex) {
			return fail(ExitCode.BAD_ARGUMENT, ex.getMessage() + " (see 'drbatch --help')");
		}
		if (CommandLine.printHelpIfRequested(parsed)) {
			return ExitCode.OK.code();
		}
		if (!parsed.hasSubcommand()) {
			commandLine.usage(this.err);
			return ExitCode.BAD_ARGUMENT.code();
		}
		if (parsed.subcommand().commandSpec().userObject() instanceof Decrypt decrypt) {
			try {
				return decrypt.run();
			}
			catch (DrbatchException ex) {
				return fail(ExitCode.of(ex.kind()), ex.getMessage());
			}
		}
		Operation operation = (Operation) parsed.subcommand().commandSpec().userObject();
		if (this.config != null && !Files.isReadable(this.config)) {
			return fail(ExitCode.BAD_CONFIGURATION,
					"configuration file " + this.config + " is missing or not readable");
		}
		ConfigurableApplicationContext context;
		try {
			// the context is closed below, after a stopped job has recorded its outcome,
			// not by Boot's own hook
			List<String> arguments = new ArrayList<>(List.of(springArguments()));
			if (operation instanceof Scheduler || operation instanceof Web) {
				// the status page, metrics and health endpoints; CLI commands start no
				// web server
				arguments.add(0, "--spring.main.web-application-type=servlet");
			}
			context = new SpringApplicationBuilder(this.application).logStartupInfo(false)
				.registerShutdownHook(false)
				.run(arguments.toArray(String[]::new));
		}
		catch (RuntimeException ex) {
			return startupFailure(ex);
		}
		try (context) {
			Commands commands = Commands.from(context);
			shutdown.onSignal(() -> operation.signal(commands));
			return operation.execute(commands).code();
		}
		catch (CliFailure ex) {
			return fail(ex.exitCode(), ex.getMessage());
		}
		catch (DrbatchException ex) {
			return fail(ExitCode.of(ex.kind()), ex.getMessage());
		}
		catch (RuntimeException ex) {
			log.error("Unexpected failure", ex);
			return fail(ExitCode.INTERNAL_ERROR,
					"unexpected " + ex.getClass().getSimpleName() + ": " + ex.getMessage());
		}
	}

	private String[] springArguments() {
		List<String> arguments = new ArrayList<>();
		if (this.config != null) {
			arguments.add("--spring.config.additional-location=file:" + this.config.toAbsolutePath());
		}
		this.overrides.forEach((key, value) -> arguments.add("--" + key + "=" + value));
		return arguments.toArray(String[]::new);
	}

	private int startupFailure(Throwable failure) {
		java.util.Optional<String> configuration = io.drbatch.jobs.config.ConfigurationErrors.describe(failure);
		if (configuration.isPresent()) {
			return fail(ExitCode.BAD_CONFIGURATION, configuration.get());
		}
		java.net.BindException portInUse = find(failure, java.net.BindException.class);
		if (portInUse != null) {
			return fail(ExitCode.BAD_CONFIGURATION,
					"cannot serve the status page, metrics and health: " + rootMessage(failure)
							+ " (server.address/server.port; another scheduler on this host needs another port)");
		}
		DrbatchException drbatch = find(failure, DrbatchException.class);
		if (drbatch != null) {
			return fail(ExitCode.of(drbatch.kind()), drbatch.getMessage());
		}
		log.error("drbatch failed to start", failure);
		return fail(ExitCode.INTERNAL_ERROR, "cannot start: " + rootMessage(failure));
	}

	private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
		for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
			if (type.isInstance(t)) {
				return type.cast(t);
			}
		}
		return null;
	}

	static String rootMessage(Throwable failure) {
		Throwable root = failure;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
	}

	private int fail(ExitCode code, String message) {
		this.err.println("drbatch: error: " + message.replace('\n', ' ') + " [exit " + code.code() + "]");
		return code.code();
	}

	@Command(name = "run", description = { "Run a job with key=value parameters.",
			"For example 'drbatch run daily-dump database=omnihub_demo'." })
	static class Run implements Operation {

		@Parameters(index = "0", paramLabel = "JOB", description = "job name: daily-dump")
		String job;

		@Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "job parameters")
		List<String> parameters = new ArrayList<>();

		@Option(names = "--dry-run",
				description = "for jobs that delete (retention): list what would go, delete nothing")
		boolean dryRun;

		@Override
		public ExitCode execute(Commands commands) {
			Map<String, String> given = new LinkedHashMap<>();
			for (String parameter : this.parameters) {
				int eq = parameter.indexOf('=');
				if (eq <= 0) {
					throw new CliFailure(ExitCode.BAD_ARGUMENT,
							"job parameter '" + parameter + "' is not of the form key=value");
				}
				given.put(parameter.substring(0, eq), parameter.substring(eq + 1));
			}
			if (this.dryRun) {
				given.put("dry-run", "true");
			}
			return commands.control().run(this.job, given);
		}

	}

	@Command(name = "restore", description = { "Restore a backup into a database for a real recovery.",
			"Verifies checksums, row counts and checks, and prints the measured RTO. Runs the 'restore' job, so a failed",
			"restore is relaunched with 'drbatch restart'. With --to-time, --to-lsn or --latest: point-in-time recovery",
			"of the source's cluster from its base backups and WAL archive into --data-dir, started on --port (the",
			"'pitr-restore' job); the recovered server is left running." })
	static class Restore implements Operation {

		@Parameters(index = "0", paramLabel = "DATABASE",
				description = "configured source name whose backup is restored")
		String database;

		@Option(names = "--backup", paramLabel = "ID", description = "backup id, or 'latest' (default)")
		String backup;

		@Option(names = "--before", paramLabel = "TIME",
				description = "restore the newest backup taken before TIME (ISO-8601, e.g. 2026-11-26T09:30:00Z, or a date)")
		String before;

		@Option(names = "--target-database", paramLabel = "NAME",
				description = "database to restore into, on the source's server (default: the source's own database)")
		String targetDatabase;

		@Option(names = "--force",
				description = "drop and replace the target database (or, with point-in-time recovery, the data directory) when it is not empty")
		boolean force;

		@Option(names = "--from-target", paramLabel = "TARGET",
				description = "storage target to read the backup from (default: the primary), e.g. a secondary when the primary is lost")
		String fromTarget;

		@Option(names = "--to-time", paramLabel = "TIME",
				description = "point-in-time recovery: every transaction committed at or before TIME (ISO-8601), none after")
		String toTime;

		@Option(names = "--to-lsn", paramLabel = "LSN",
				description = "point-in-time recovery up to the WAL position LSN (e.g. 0/3000060)")
		String toLsn;

		@Option(names = "--latest", description = "point-in-time recovery of everything the WAL archive holds")
		boolean latest;

		@Option(names = "--data-dir", paramLabel = "DIR",
				description = "point-in-time recovery: the data directory to recover into (new or empty)")
		String dataDir;

		@Option(names = "--port", paramLabel = "PORT",
				description = "point-in-time recovery: the port the recovered server listens on, on 127.0.0.1 (default 5433)")
		String port;

		@Option(names = "--keep-failed",
				description = "point-in-time recovery: leave a failed recovery's directories for forensics")
		boolean keepFailed;

		@Override
		public ExitCode execute(Commands commands) {
			int pitrModes = (this.toTime != null ? 1 : 0) + (this.toLsn != null ? 1 : 0) + (this.latest ? 1 : 0);
			if (pitrModes > 1) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"--to-time, --to-lsn and --latest choose a target each; give one of them");
			}
			if (pitrModes == 1) {
				if (this.backup != null || this.before != null || this.targetDatabase != null) {
					throw new CliFailure(ExitCode.BAD_ARGUMENT,
							"--backup, --before and --target-database choose a dump to restore; point-in-time recovery"
									+ " (--to-time, --to-lsn, --latest) takes --data-dir and --port instead");
				}
				Map<String, String> given = new LinkedHashMap<>();
				given.put("database", this.database);
				given.put("recovery.target", this.toTime != null ? "time:" + this.toTime
						: this.toLsn != null ? "lsn:" + this.toLsn : "latest");
				given.put("data.dir", this.dataDir);
				given.put("port", this.port);
				given.put("target", this.fromTarget);
				given.put("force", String.valueOf(this.force));
				given.put("keep.failed", String.valueOf(this.keepFailed));
				return commands.control().run("pitr-restore", given);
			}
			if (this.dataDir != null || this.port != null || this.keepFailed) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"--data-dir, --port and --keep-failed belong to point-in-time recovery; add --to-time, --to-lsn or --latest");
			}
			if (this.backup != null && this.before != null && !"latest".equals(this.backup)) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"--backup and --before choose a backup each; give one of them");
			}
			Map<String, String> given = new LinkedHashMap<>();
			given.put("database", this.database);
			given.put("backup", this.backup);
			given.put("before", this.before);
			given.put("target.database", this.targetDatabase);
			given.put("force", String.valueOf(this.force));
			given.put("target", this.fromTarget);
			return commands.control().run("restore", given);
		}

	}

	@Command(name = "status", description = { "Can we recover right now? Exit 13 when at risk.",
			"Per database: newest backup per target and its age against the RPO, last drill and its RTO; next",
			"scheduled fires; executions awaiting relaunch. --json prints the same as the web page's /api/status",
			"(schema: docs/STATUS-API.md)." })
	static class Status implements Operation {

		@Option(names = "--json", description = "print the status as one JSON document")
		boolean json;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.status().print(System.out, this.json ? OutputFormat.JSON : OutputFormat.TEXT);
		}

	}

	@Command(name = "history", description = "List job executions, newest first.")
	static class History implements Operation {

		@Mixin
		FormatOption output;

		@Parameters(index = "0", arity = "0..1", paramLabel = "JOB", description = "only this job")
		String job;

		@Option(names = "--limit", defaultValue = "20",
				description = "job instances per job (default ${DEFAULT-VALUE})")
		int limit;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.listings().history(this.job, this.limit, this.output.format);
		}

	}

	@Command(name = "backups", description = { "List the backups in a target, newest first.",
			"Read from their manifests: the dumps, then the base backups (--base: those alone); with --targets, which",
			"targets hold a verified copy of each primary backup, and each secondary's lag." })
	static class Backups implements Operation {

		@Mixin
		FormatOption output;

		@Parameters(index = "0", arity = "0..1", paramLabel = "DATABASE", description = "only this database")
		String database;

		@Option(names = "--target", description = "target name (default: the primary)")
		String target;

		@Option(names = "--targets", description = "backup x target matrix and replication lag per secondary")
		boolean matrix;

		@Option(names = "--base", description = "the base backups of point-in-time recovery only")
		boolean base;

		@Override
		public ExitCode execute(Commands commands) {
			if (this.matrix && this.target != null) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"--target lists one target, --targets all of them; give one");
			}
			if (this.base) {
				return commands.listings().baseBackups(this.database, this.target, this.output.format);
			}
			return this.matrix ? commands.listings().replicas(this.database, this.output.format)
					: commands.listings().backups(this.database, this.target, this.output.format);
		}

	}

	@Command(name = "drills", description = { "List restore drills, newest first.",
			"Read from their reports in the bucket: result, RTO and RPO against targets." })
	static class Drills implements Operation {

		@Mixin
		FormatOption output;

		@Parameters(index = "0", arity = "0..1", paramLabel = "DATABASE", description = "only this database")
		String database;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.listings().drills(this.database, this.output.format);
		}

	}

	@Command(name = "restart", description = { "Relaunch a failed or stopped execution.",
			"One left STARTED by a dead process is marked FAILED first." })
	static class Restart implements Operation {

		@Parameters(index = "0", paramLabel = "EXECUTION_ID")
		long executionId;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.control().restart(this.executionId);
		}

	}

	@Command(name = "stop", description = { "Ask a running execution to stop, and wait for it.",
			"It ends STOPPED and can be relaunched with 'drbatch restart'." })
	static class Stop implements Operation {

		@Parameters(index = "0", paramLabel = "EXECUTION_ID")
		long executionId;

		@Option(names = "--wait", defaultValue = "120", paramLabel = "SECONDS",
				description = "how long to wait for it to stop (default ${DEFAULT-VALUE})")
		int waitSeconds;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.control().stop(this.executionId, java.time.Duration.ofSeconds(this.waitSeconds));
		}

	}

	@Command(name = "abandon", description = { "Give up a failed or stopped execution for good.",
			"It is marked ABANDONED and can never be restarted." })
	static class Abandon implements Operation {

		@Parameters(index = "0", paramLabel = "EXECUTION_ID")
		long executionId;

		@Override
		public ExitCode execute(Commands commands) {
			return commands.control().abandon(this.executionId);
		}

	}

	@Command(name = "lock", description = { "Show each target's Object Lock settings: 'drbatch lock status'.",
			"Versioning, Object Lock default retention and lifecycle rules, as the store reports them." })
	static class Lock implements Operation {

		@Mixin
		FormatOption output;

		@Parameters(index = "0", paramLabel = "status", description = "status")
		String action;

		@Override
		public ExitCode execute(Commands commands) {
			if (!"status".equals(this.action)) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"unknown lock action '" + this.action + "'; try 'drbatch lock status'");
			}
			return commands.listings().lockStatus(this.output.format);
		}

	}

	@Command(name = "wal", description = { "Check the WAL archive's chain: 'drbatch wal verify'.",
			"Per source with point-in-time recovery: its segments on the primary, the base backups on its chain, and every",
			"hole; exit 15 when one lies after the newest base backup (take a new base backup)." })
	static class Wal implements Operation {

		@Parameters(index = "0", paramLabel = "verify", description = "verify")
		String action;

		@Parameters(index = "1", arity = "0..1", paramLabel = "DATABASE", description = "only this source")
		String database;

		@Mixin
		FormatOption output;

		@Override
		public ExitCode execute(Commands commands) {
			if (!"verify".equals(this.action)) {
				throw new CliFailure(ExitCode.BAD_ARGUMENT,
						"unknown wal action '" + this.action + "'; try 'drbatch wal verify'");
			}
			return commands.listings().walVerify(this.database, this.output.format);
		}

	}

	@Command(name = "scheduler", description = { "Run the Quartz scheduler until SIGTERM.",
			"Jobs fire on the configured cron schedule (UTC); replicas sharing the job repository database fire each",
			"trigger once between them." })
	static class Scheduler implements Operation {

		@Override
		public ExitCode execute(Commands commands) {
			return commands.control().runScheduler();
		}

		@Override
		public void signal(Commands commands) {
			commands.control().stopScheduler();
		}

	}

	@Command(name = "web", description = { "Serve the status page and its JSON until SIGTERM.",
			"At http://<server.address>:<server.port>/ (default 127.0.0.1:8080), read-only, with /api/status and",
			"/api/history; any other address than loopback needs a login (drbatch.web.password-env). For teams that",
			"run the jobs from CronJobs: 'drbatch scheduler' serves the same page." })
	static class Web implements Operation {

		private final java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);

		@Override
		public ExitCode execute(Commands commands) {
			String address = commands.environment().getProperty("server.address", "0.0.0.0");
			String port = commands.environment().getProperty("local.server.port", "?");
			System.out.println("drbatch web: serving the status page on http://"
					+ (address.contains(":") ? "[" + address + "]" : address) + ":" + port + "/ until SIGTERM");
			try {
				this.stop.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			System.out.println("drbatch web: stopped");
			return ExitCode.OK;
		}

		@Override
		public void signal(Commands commands) {
			this.stop.countDown();
		}

	}

	@Command(name = "warmup", hidden = true, description = { "Exercise start-up once.",
			"The job repository and the storage client, for the launcher's class-data-sharing training run." })
	static class Warmup implements Operation {

		@Override
		public ExitCode execute(Commands commands) {
			return commands.control().warmup();
		}

	}

	@Command(name = "decrypt", description = { "Decrypt a backup object encrypted by drbatch.",
			"From a file or standard input to a file or standard output, with the key from an environment variable or a file.",
			"Needs nothing else: no configuration, job repository or store. Every segment is authenticated; altered",
			"or truncated input fails (exit 9) and the output must then be discarded." })
	static class Decrypt {

		@Option(names = "--key-env", paramLabel = "VARIABLE",
				description = "environment variable holding the base64 key")
		String keyEnv;

		@Option(names = "--key-file", paramLabel = "FILE", description = "file holding the base64 key")
		Path keyFile;

		@Option(names = "--in", paramLabel = "FILE", description = "encrypted object (default: standard input)")
		Path in;

		@Option(names = "--out", paramLabel = "FILE",
				description = "where the plaintext goes (default: standard output)")
		Path out;

		int run() {
			if ((this.keyEnv == null) == (this.keyFile == null)) {
				throw new DrbatchException(io.drbatch.failure.FailureKind.BAD_ARGUMENT,
						"give exactly one of --key-env and --key-file");
			}
			io.drbatch.codec.StreamEncryption key = io.drbatch.jobs.config.Secrets.encryptionKey(
					new io.drbatch.jobs.config.DrbatchProperties.Encryption(true, this.keyEnv, this.keyFile),
					"decrypt");
			String name = this.in != null ? this.in.toString() : "standard input";
			try (java.io.InputStream source = this.in != null ? Files.newInputStream(this.in) : System.in;
					java.io.InputStream plain = io.drbatch.codec.StreamEncryption.decrypt(source,
							java.util.Map.of(key.keyId(), key), name);
					java.io.OutputStream target = this.out != null ? Files.newOutputStream(this.out) : System.out) {
				plain.transferTo(target);
			}
			catch (java.io.IOException ex) {
				throw new DrbatchException(io.drbatch.failure.FailureKind.INTEGRITY,
						"cannot decrypt " + name + ": " + ex.getMessage());
			}
			return ExitCode.OK.code();
		}

	}

	/** {@code --format text|json|tsv}, shared by every listing. */
	static class FormatOption {

		@Option(names = "--format", defaultValue = "text", paramLabel = "text|json|tsv",
				description = "output format: aligned text (default), JSON or tab-separated values, for scripts")
		OutputFormat format;

	}

	static class Version implements CommandLine.IVersionProvider {

		@Override
		public String[] getVersion() {
			return new String[] { "drbatch " + io.drbatch.jobs.runcontrol.DrbatchVersion.current() };
		}

	}

}
