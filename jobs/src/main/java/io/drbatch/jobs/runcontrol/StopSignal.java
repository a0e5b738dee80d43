package io.drbatch.jobs.runcontrol;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobInterruptedException;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.tasklet.StoppableTasklet;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

import io.drbatch.pg.ChildProcess;

/**
 * A request to stop the job this process runs (SIGTERM, or {@code drbatch stop} from
 * another process, seen by {@link ExecutionHeartbeat}). Chunk-oriented steps stop at
 * their next chunk boundary on their own; a long tasklet (pg_dump streaming, a restore)
 * would run to its end, so the request also kills this process's child processes, and the
 * tasklets wrapped by {@link #stoppable} then end their step STOPPED instead of FAILED:
 * the execution ends STOPPED and {@code drbatch restart} resumes it. Cleanup is the
 * tasklets' own, as after any tool failure (an aborted multipart upload, a dropped
 * scratch database). Thread-safe.
 */
public class StopSignal {

	private static final Logger log = LoggerFactory.getLogger(StopSignal.class);

	private volatile String reason;

	/**
	 * Records the request and kills the running child processes; later calls only kill
	 * again.
	 */
	public void request(String why) {
		record(why);
		int killed = ChildProcess.destroyAll();
		if (killed > 0) {
			log.warn("Stopped {} running child process(es)", killed);
		}
	}

	/**
	 * Records the request without killing anything yet: the caller first marks the
	 * execution STOPPING in the job repository, so that the job's own updates, which
	 * follow the kill, do not race with that one.
	 */
	public synchronized void record(String why) {
		if (this.reason == null) {
			this.reason = why;
			log.warn("Stopping: {}", why);
		}
	}

	public boolean requested() {
		return this.reason != null;
	}

	/** Clears the request when a new execution starts in this process. */
	public void reset() {
		this.reason = null;
	}

	/**
	 * {@code tasklet}, ending its step STOPPED when it fails because of a stop request.
	 */
	public StoppableTasklet stoppable(Tasklet tasklet) {
		return new StoppableTasklet() {

			@Override
			public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) throws Exception {
				if (requested()) {
					throw new JobInterruptedException("stop requested: " + StopSignal.this.reason);
				}
				try {
					return tasklet.execute(contribution, chunkContext);
				}
				catch (Exception ex) {
					if (requested()) {
						log.info("Step {} stopped on request ({})", chunkContext.getStepContext().getStepName(),
								ex.getMessage());
						throw new JobInterruptedException("stop requested: " + StopSignal.this.reason);
					}
					throw ex;
				}
			}

			@Override
			public void stop() {
				request("the job operator asked the running step to stop");
			}

		};
	}

}
