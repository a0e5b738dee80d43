package io.drbatch.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.springframework.test.context.DynamicPropertyRegistry;

import io.drbatch.testing.TestPostgres;
import io.drbatch.testing.TestS3;

/**
 * Wiring shared by job tests: the test job repository, one source, one bucket; and
 * child-process helpers.
 */
public final class JobTestSupport {

	public static final String JOB_REPOSITORY_DATABASE = "drbatch_it";

	private JobTestSupport() {
	}

	/**
	 * Points the application at the test job repository, {@code sourceDatabase} and
	 * {@code bucket}.
	 */
	public static void register(DynamicPropertyRegistry registry, String sourceName, String sourceDatabase,
			String bucket) {
		TestPostgres.ensureDatabase(JOB_REPOSITORY_DATABASE);
		registry.add("spring.datasource.url", () -> TestPostgres.url(JOB_REPOSITORY_DATABASE));
		registry.add("spring.datasource.username", () -> TestPostgres.USER);
		// every test class with its own properties gets its own cached context and pool:
		// keep each pool small
		registry.add("spring.datasource.hikari.maximum-pool-size", () -> "4");
		registry.add("spring.datasource.hikari.minimum-idle", () -> "1");
		registry.add("spring.batch.jdbc.initialize-schema", () -> "never");
		registry.add("spring.batch.job.enabled", () -> "false");
		registry.add("drbatch.sources[0].name", () -> sourceName);
		registry.add("drbatch.sources[0].database", () -> sourceDatabase);
		registry.add("drbatch.sources[0].host", () -> TestPostgres.HOST);
		registry.add("drbatch.sources[0].port", () -> TestPostgres.PORT);
		registry.add("drbatch.sources[0].username", () -> TestPostgres.USER);
		registry.add("drbatch.targets[0].name", () -> "primary");
		registry.add("drbatch.targets[0].endpoint", TestS3.ENDPOINT::toString);
		registry.add("drbatch.targets[0].bucket", () -> bucket);
		registry.add("drbatch.targets[0].prefix", () -> "it");
		registry.add("drbatch.targets[0].path-style", () -> "true");
		registry.add("drbatch.targets[0].access-key-id", () -> "test");
		registry.add("drbatch.targets[0].secret-access-key", () -> "test");
		registry.add("drbatch.dump.part-size", () -> "5MB");
		registry.add("drbatch.dump.parts-in-flight", () -> "2");
	}

	/**
	 * Makes source 0 a point-in-time recovery source on a cluster of the test's own,
	 * reached on {@code port} with the scram login (which may replicate).
	 * @param slot the replication slot, or {@code null} for drbatch's default
	 */
	public static void registerPitrSource(DynamicPropertyRegistry registry, Supplier<Object> port, String slot) {
		registry.add("drbatch.sources[0].port", port);
		registry.add("drbatch.sources[0].username", () -> TestPostgres.SCRAM_USER);
		registry.add("drbatch.sources[0].password", () -> TestPostgres.SCRAM_PASSWORD);
		registry.add("drbatch.sources[0].pitr.enabled", () -> "true");
		if (slot != null) {
			registry.add("drbatch.sources[0].pitr.slot", () -> slot);
		}
	}

	/**
	 * Runs a command, feeding it {@code stdin} (may be null), and returns its standard
	 * output; fails on a non-zero exit.
	 */
	public static String run(List<String> command, InputStream stdin) {
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
			Thread feeder = new Thread(() -> {
				try (OutputStream out = process.getOutputStream()) {
					if (stdin != null) {
						stdin.transferTo(out);
					}
				}
				catch (IOException ex) {
					// the process stopped reading; its exit status tells why
				}
			});
			feeder.start();
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
				throw new IllegalStateException(command + " failed: " + output);
			}
			feeder.join();
			return output;
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
