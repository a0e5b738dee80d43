package io.drbatch.scheduler.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.springframework.util.FileSystemUtils;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

/**
 * Runs the packaged drbatch jar as a child process, as an operator or a CronJob would
 * (extracted, with a class-data-sharing archive, as {@code bin/drbatch} and the image run
 * it), with configuration passed only through environment variables. Output goes to files
 * so that a killed process loses nothing.
 */
final class CliProcess {

	static final String JOB_REPOSITORY = "drbatch_cli_it";

	private static final List<String> JVM_OPTIONS = List.of("-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

	/**
	 * The command that starts drbatch, prepared by the first start of the test run
	 * ({@link #launchCommand()}).
	 */
	private static List<String> launch;

	private final Path workDir;

	private final Map<String, String> environment = new LinkedHashMap<>();

	/**
	 * Numbers every run's output files, unique in the test JVM (tests may share a work
	 * directory and run concurrently).
	 */
	private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

	CliProcess(Path workDir) {
		this.workDir = workDir;
		TestPostgres.ensureDatabase(JOB_REPOSITORY);
		this.environment.put("SPRING_DATASOURCE_URL", TestPostgres.url(JOB_REPOSITORY));
		this.environment.put("SPRING_DATASOURCE_USERNAME", TestPostgres.USER);
		// A list element set from the environment replaces the whole element of
		// application.yml: give every key.
		this.environment.put("DRBATCH_TARGETS_0_NAME", "primary");
		this.environment.put("DRBATCH_TARGETS_0_ENDPOINT", TestS3.ENDPOINT.toString());
		this.environment.put("DRBATCH_TARGETS_0_PATH_STYLE", "true");
		this.environment.put("DRBATCH_TARGETS_0_PREFIX", "cli");
		this.environment.put("DRBATCH_TARGETS_0_ACCESS_KEY_ID", "cli-test-key");
		this.environment.put("DRBATCH_TARGETS_0_SECRET_ACCESS_KEY", "cli-test-secret");
		this.environment.put("DRBATCH_DUMP_PART_SIZE", "5MB");
	}

	/**
	 * Backs up {@code database} under the configured name {@code name} into
	 * {@code bucket}.
	 */
	CliProcess source(String name, String database) {
		this.environment.put("DRBATCH_SOURCES_0_NAME", name);
		this.environment.put("DRBATCH_SOURCES_0_DATABASE", database);
		this.environment.put("DRBATCH_SOURCES_0_HOST", TestPostgres.HOST);
		this.environment.put("DRBATCH_SOURCES_0_PORT", String.valueOf(TestPostgres.PORT));
		this.environment.put("DRBATCH_SOURCES_0_USERNAME", TestPostgres.USER);
		return this;
	}

	CliProcess bucket(String bucket) {
		this.environment.put("DRBATCH_TARGETS_0_BUCKET", bucket);
		return this;
	}

	/**
	 * Configures target {@code index} (1 and up: a secondary) on the S3 server at
	 * {@code endpoint}, with every key (a list element set from the environment replaces
	 * the whole element).
	 */
	CliProcess secondary(int index, String name, java.net.URI endpoint, String bucket, String secretKey) {
		String prefix = "DRBATCH_TARGETS_" + index + "_";
		return env(prefix + "NAME", name).env(prefix + "ENDPOINT", endpoint.toString())
			.env(prefix + "BUCKET", bucket)
			.env(prefix + "PREFIX", "cli")
			.env(prefix + "PATH_STYLE", "true")
			.env(prefix + "ACCESS_KEY_ID", "cli-test-key")
			.env(prefix + "SECRET_ACCESS_KEY", secretKey);
	}

	CliProcess env(String key, String value) {
		this.environment.put(key, value);
		return this;
	}

	/** A started drbatch process. */
	record Running(Process process, Path stdout, Path stderr) {

		Result await() {
			try {
				if (!this.process.waitFor(5, TimeUnit.MINUTES)) {
					this.process.destroyForcibly();
					throw new IllegalStateException("drbatch did not finish in 5 minutes");
				}
				return new Result(this.process.exitValue(), Files.readString(this.stdout),
						Files.readString(this.stderr));
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}

	}

	record Result(int exitCode, String stdout, String stderr) {

		List<String> errorLines() {
			return this.stderr.lines().filter(line -> line.startsWith("drbatch: error:")).toList();
		}

	}

	Running start(String... args) {
		List<String> command = new ArrayList<>(launchCommand());
		command.addAll(List.of(args));
		int run = RUNS.incrementAndGet();
		Path stdout = this.workDir.resolve("run-" + run + ".out");
		Path stderr = this.workDir.resolve("run-" + run + ".err");
		ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(stdout.toFile())
			.redirectError(stderr.toFile())
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		builder.environment().keySet().removeIf(key -> key.startsWith("DRBATCH_") || key.startsWith("SPRING_"));
		builder.environment().putAll(this.environment);
		try {
			return new Running(builder.start(), stdout, stderr);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	Result run(String... args) {
		return start(args).await();
	}

	/**
	 * {@code java} and its options up to the arguments: the jar extracted once per build
	 * into {@code target/drbatch-it-app} with a class-data-sharing archive recorded by a
	 * {@code warmup} run, as {@code bin/drbatch} and the container image run it (a
	 * start-up of about 2.4 s instead of 5 s, for each of the many processes these tests
	 * start); the packaged jar as it is if that cannot be prepared.
	 */
	private static synchronized List<String> launchCommand() {
		if (launch == null) {
			launch = prepareExtractedJar();
		}
		return launch;
	}

	private static List<String> prepareExtractedJar() {
		Path jar = Path.of(jar());
		Path app = jar.resolveSibling("drbatch-it-app");
		Path archive = app.resolve("app.jsa");
		Path extracted = app.resolve("drbatch.jar");
		List<String> fallback = javaCommand("-jar", jar.toString());
		try {
			String stamp = Files.size(jar) + " " + Files.getLastModifiedTime(jar).toMillis();
			Path source = app.resolve("source");
			if (!Files.isRegularFile(archive) || !Files.isRegularFile(source)
					|| !Files.readString(source).equals(stamp)) {
				FileSystemUtils.deleteRecursively(app);
				if (runQuietly(List.of(javaBinary(), "-Djarmode=tools", "-jar", jar.toString(), "extract",
						"--destination", app.toString())) != 0) {
					return fallback;
				}
				runQuietly(javaCommand("-XX:ArchiveClassesAtExit=" + archive, "-jar", extracted.toString(), "warmup"));
				if (!Files.isRegularFile(archive)) {
					return fallback;
				}
				Files.writeString(source, stamp);
			}
		}
		catch (IOException ex) {
			return fallback;
		}
		return javaCommand("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-jar", extracted.toString());
	}

	/** {@code java} with the tests' JVM options, then {@code rest}. */
	private static List<String> javaCommand(String... rest) {
		List<String> command = new ArrayList<>(List.of(javaBinary()));
		command.addAll(JVM_OPTIONS);
		command.addAll(List.of(rest));
		return List.copyOf(command);
	}

	private static int runQuietly(List<String> command) throws IOException {
		ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
		builder.environment().keySet().removeIf(key -> key.startsWith("DRBATCH_") || key.startsWith("SPRING_"));
		try {
			Process process = builder.start();
			if (!process.waitFor(2, TimeUnit.MINUTES)) {
				process.destroyForcibly();
				return -1;
			}
			return process.exitValue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException(ex);
		}
	}

	private static String jar() {
		String jar = System.getProperty("drbatch.jar");
		if (jar == null || !Files.isRegularFile(Path.of(jar))) {
			throw new IllegalStateException(
					"system property drbatch.jar must name the packaged jar (run through mvn verify)");
		}
		return jar;
	}

	private static String javaBinary() {
		return Path.of(System.getProperty("java.home"), "bin", "java").toString();
	}

}
