package io.drbatch.pg;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * A PostgreSQL client tool running as a child process with its password in a private
 * pgpass file. Standard error is drained on a daemon thread into a bounded tail for error
 * messages; standard output is left to the caller. {@link #close()} destroys a process
 * that is still running and removes the pgpass file. Not thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

	private static final int STDERR_TAIL = 8 * 1024;

	/**
	 * Every child process of this JVM that has not been closed yet, for
	 * {@link #destroyAll()}.
	 */
	private static final java.util.Set<ChildProcess> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

	/**
	 * Work other than child processes that a stop request ends too, for
	 * {@link #destroyAll()}.
	 */
	private static final java.util.Set<StopAction> STOP_ACTIONS = java.util.concurrent.ConcurrentHashMap.newKeySet();

	/** A registration of {@link #onDestroyAll}; closing it removes it. */
	public interface StopAction extends AutoCloseable {

		void stop();

		@Override
		void close();

	}

	private final String tool;

	private final Process process;

	private final PgPassFile pgPass;

	private final StringBuilder stderrTail = new StringBuilder();

	private final Thread stderrDrain;

	private ChildProcess(String tool, Process process, PgPassFile pgPass) {
		this.tool = tool;
		this.process = process;
		this.pgPass = pgPass;
		this.stderrDrain = new Thread(this::drainStderr, tool + "-stderr");
		this.stderrDrain.setDaemon(true);
		this.stderrDrain.start();
		LIVE.add(this);
	}

	/**
	 * Kills every child process this JVM started and has not closed: a requested stop
	 * ends pg_dump, pg_restore and psql at once, and whatever was reading or feeding them
	 * fails and cleans up as after any tool failure. Work registered with
	 * {@link #onDestroyAll} is stopped too.
	 * @return how many were running
	 */
	public static int destroyAll() {
		int count = 0;
		for (StopAction action : STOP_ACTIONS) {
			action.stop();
			count++;
		}
		for (ChildProcess child : LIVE) {
			if (child.process.isAlive()) {
				child.process.destroyForcibly();
				count++;
			}
		}
		return count;
	}

	/**
	 * Has {@link #destroyAll()} also run {@code stop} until the returned registration is
	 * closed: for work that does what a child process would (a table load over JDBC) and
	 * must end with them on a stop request.
	 */
	public static StopAction onDestroyAll(Runnable stop) {
		StopAction action = new StopAction() {

			@Override
			public void stop() {
				stop.run();
			}

			@Override
			public void close() {
				STOP_ACTIONS.remove(this);
			}

		};
		STOP_ACTIONS.add(action);
		return action;
	}

	/**
	 * Starts {@code command} (whose first element is the tool) with the connection's
	 * password, if any, in a pgpass file. {@code command} must not contain secrets.
	 */
	public static ChildProcess start(List<String> command, PgConnectionSpec spec, boolean stdinFromParent) {
		ProcessBuilder builder = new ProcessBuilder(command);
		PgPassFile pgPass = PgPassFile.install(spec, builder.environment());
		builder.environment().put("PGAPPNAME", "drbatch");
		if (spec.sslMode() != null) {
			builder.environment().put("PGSSLMODE", spec.sslMode());
		}
		if (!stdinFromParent) {
			builder.redirectInput(ProcessBuilder.Redirect.PIPE);
		}
		try {
			return new ChildProcess(command.get(0), builder.start(), pgPass);
		}
		catch (IOException ex) {
			if (pgPass != null) {
				pgPass.close();
			}
			throw new DrbatchException(FailureKind.TOOL_MISMATCH,
					"cannot run " + command.get(0) + ": " + ex.getMessage() + " (is it installed and on PATH?)", ex);
		}
	}

	private void drainStderr() {
		byte[] buffer = new byte[4096];
		try (InputStream err = this.process.getErrorStream()) {
			int n;
			while ((n = err.read(buffer)) > 0) {
				synchronized (this.stderrTail) {
					this.stderrTail.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
					if (this.stderrTail.length() > STDERR_TAIL) {
						this.stderrTail.delete(0, this.stderrTail.length() - STDERR_TAIL);
					}
				}
			}
		}
		catch (IOException ex) {
			// the process went away; what was read is kept
		}
	}

	public InputStream stdout() {
		return this.process.getInputStream();
	}

	public OutputStream stdin() {
		return this.process.getOutputStream();
	}

	/**
	 * Waits for the exit and fails with {@link FailureKind#TOOL_FAILED} and the stderr
	 * tail on a non-zero status.
	 */
	public void waitForSuccess() {
		int status;
		try {
			status = this.process.waitFor();
			this.stderrDrain.join(TimeUnit.SECONDS.toMillis(5));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			this.process.destroyForcibly();
			throw new DrbatchException(FailureKind.TOOL_FAILED, this.tool + " was interrupted", ex);
		}
		if (status != 0) {
			throw new DrbatchException(FailureKind.TOOL_FAILED,
					this.tool + " exited with status " + status + ": " + stderrSummary());
		}
	}

	/** The last lines the tool wrote to standard error, joined on one line. */
	public String stderrSummary() {
		synchronized (this.stderrTail) {
			String text = this.stderrTail.toString().strip().replace('\n', ' ');
			return text.isEmpty() ? "(no error output)" : text;
		}
	}

	@Override
	public void close() {
		LIVE.remove(this);
		if (this.process.isAlive()) {
			this.process.destroyForcibly();
		}
		if (this.pgPass != null) {
			this.pgPass.close();
		}
	}

}
