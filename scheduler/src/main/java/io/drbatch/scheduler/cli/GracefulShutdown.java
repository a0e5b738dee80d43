package io.drbatch.scheduler.cli;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Turns SIGTERM (a CronJob's pod deleted, a deadline reached, Ctrl-C) into a graceful
 * stop: the JVM's shutdown hook asks the running job to stop, waits until the CLI has
 * recorded the outcome (the execution STOPPED in the job repository, its cleanup done)
 * and then ends the process with the CLI's exit code rather than the signal's. A normal
 * end of the CLI passes through untouched. One per process; thread-safe.
 */
final class GracefulShutdown {

	/**
	 * Longest wait for the job to stop; Kubernetes kills the pod at the end of its grace
	 * period anyway.
	 */
	private static final Duration MAX_WAIT = Duration.ofMinutes(10);

	private final CountDownLatch finished = new CountDownLatch(1);

	private volatile int exitCode = 143;

	private volatile Runnable onSignal = () -> {
	};

	void install() {
		Runtime.getRuntime().addShutdownHook(new Thread(this::shutdown, "drbatch-shutdown"));
	}

	/** What a signal does while the CLI works: ask the running job, if any, to stop. */
	void onSignal(Runnable action) {
		this.onSignal = action;
	}

	/** The CLI is done and will exit with {@code code}. */
	void finished(int code) {
		this.exitCode = code;
		this.finished.countDown();
	}

	private void shutdown() {
		if (this.finished.getCount() == 0) {
			return;
		}
		System.err.println("drbatch: termination signal received; stopping the running job");
		this.onSignal.run();
		try {
			if (this.finished.await(MAX_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
				System.err.flush();
				System.out.flush();
				Runtime.getRuntime().halt(this.exitCode);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
