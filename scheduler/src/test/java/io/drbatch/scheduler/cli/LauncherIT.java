package io.drbatch.scheduler.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code bin/drbatch}, the launcher operators and the image use: the lock it takes while
 * it prepares the extracted jar is released before the JVM starts, so that a long-running
 * drbatch (the scheduler) never holds it and the next launcher after a rebuild does not
 * wait for it.
 */
class LauncherIT {

	@TempDir
	Path dir;

	@Test
	void aRunningDrbatchDoesNotHoldTheLaunchersLock() throws Exception {
		Path root = Path.of("").toAbsolutePath().getParent();
		Path app = this.dir.resolve("app");
		ProcessBuilder builder = new ProcessBuilder(root.resolve("bin/drbatch").toString(), "decrypt", "--key-env",
				"DRBATCH_LAUNCHER_TEST_KEY", "--out", this.dir.resolve("plain").toString())
			.redirectErrorStream(true)
			.redirectOutput(this.dir.resolve("out.txt").toFile());
		builder.environment().put("DRBATCH_JAR", System.getProperty("drbatch.jar"));
		builder.environment().put("DRBATCH_APP_DIR", app.toString());
		builder.environment().put("DRBATCH_LAUNCHER_TEST_KEY", Base64.getEncoder().encodeToString(new byte[32]));
		Process drbatch = builder.start();
		try {
			// decrypt waits for its input on stdin: once the JVM runs, the app is
			// prepared and the lock released
			awaitJvm(drbatch);
			Process probe = new ProcessBuilder("flock", "--nonblock", app + ".lock", "true").start();
			assertThat(probe.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(probe.exitValue()).as("flock on " + app + ".lock while drbatch runs").isZero();
		}
		finally {
			drbatch.getOutputStream().close();
			if (!drbatch.waitFor(60, TimeUnit.SECONDS)) {
				drbatch.destroyForcibly();
			}
		}
	}

	/**
	 * Waits until the launcher has exec'd the JVM (its process image is java) and the app
	 * folder is prepared.
	 */
	private void awaitJvm(Process process) throws IOException, InterruptedException {
		Path comm = Path.of("/proc", String.valueOf(process.pid()), "comm");
		long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
		while (System.nanoTime() < deadline) {
			assertThat(process.isAlive()).as(Files.readString(this.dir.resolve("out.txt"))).isTrue();
			if (Files.readString(comm).strip().equals("java")
					&& Files.exists(this.dir.resolve("app").resolve("source"))) {
				return;
			}
			Thread.sleep(100);
		}
		throw new AssertionError(
				"drbatch did not start within 3 minutes: " + List.of(Files.readString(this.dir.resolve("out.txt"))));
	}

}
