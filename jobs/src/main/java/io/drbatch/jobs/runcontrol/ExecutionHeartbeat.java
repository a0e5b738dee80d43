package io.drbatch.jobs.runcontrol;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Says, while a job runs, which process runs it: a row in {@code drbatch_heartbeat}
 * (host, pid, last beat) written when the execution starts, refreshed every
 * {@link #INTERVAL}, and deleted when it ends. That is how {@code drbatch restart} tells
 * an execution left STARTED by a dead process (killed, evicted pod: its row is stale, or
 * its pid is gone on this host) from one that is still running (refused), and how a
 * {@code drbatch stop} from another process reaches this one: each beat reads the
 * execution's status, and a STOPPING status is passed to the {@link StopSignal}.
 * Registered on every job. Thread-safe.
 */
public class ExecutionHeartbeat implements JobExecutionListener {

	private static final Logger log = LoggerFactory.getLogger(ExecutionHeartbeat.class);

	/** How often a running execution says it is alive. */
	public static final Duration INTERVAL = Duration.ofSeconds(5);

	/** A heartbeat older than this belongs to a process that is gone. */
	public static final Duration STALE_AFTER = Duration.ofSeconds(30);

	/** The owner of a running execution, as its heartbeat says. */
	public record Owner(String host, long pid, Instant beatAt, boolean alive) {

		public String describe() {
			return "pid " + this.pid + " on " + this.host;
		}

	}

	private final JdbcTemplate jdbc;

	private final StopSignal stopSignal;

	private final String host = hostName();

	private final long pid = ProcessHandle.current().pid();

	private final ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(runnable -> {
		Thread thread = new Thread(runnable, "drbatch-heartbeat");
		thread.setDaemon(true);
		return thread;
	});

	private final java.util.Map<Long, ScheduledFuture<?>> beating = new java.util.concurrent.ConcurrentHashMap<>();

	private final java.util.Map<Long, JobExecution> running = new java.util.concurrent.ConcurrentHashMap<>();

	public ExecutionHeartbeat(DataSource dataSource, StopSignal stopSignal) {
		this.jdbc = new JdbcTemplate(dataSource);
		this.stopSignal = stopSignal;
	}

	@Override
	public void beforeJob(JobExecution execution) {
		if (this.running.isEmpty()) {
			this.stopSignal.reset();
		}
		long id = execution.getId();
		this.running.put(id, execution);
		this.jdbc.update(
				"INSERT INTO drbatch_heartbeat (job_execution_id, host, pid, started_at, beat_at) "
						+ "VALUES (?, ?, ?, now(), now()) ON CONFLICT (job_execution_id) DO UPDATE "
						+ "SET host = EXCLUDED.host, pid = EXCLUDED.pid, started_at = now(), beat_at = now()",
				id, this.host, this.pid);
		this.beating.put(id, this.beats.scheduleWithFixedDelay(() -> beat(id), INTERVAL.toMillis(), INTERVAL.toMillis(),
				TimeUnit.MILLISECONDS));
	}

	@Override
	public void afterJob(JobExecution execution) {
		ScheduledFuture<?> task = this.beating.remove(execution.getId());
		if (task != null) {
			task.cancel(false);
		}
		this.running.remove(execution.getId());
		try {
			this.jdbc.update("DELETE FROM drbatch_heartbeat WHERE job_execution_id = ?", execution.getId());
		}
		catch (RuntimeException ex) {
			log.warn("Could not remove the heartbeat of execution {}: {}", execution.getId(), ex.getMessage());
		}
	}

	/**
	 * The executions this process is running now (one in CLI mode; as many as threads in
	 * scheduler mode).
	 */
	public java.util.Collection<JobExecution> running() {
		return List.copyOf(this.running.values());
	}

	private void beat(long id) {
		try {
			this.jdbc.update("UPDATE drbatch_heartbeat SET beat_at = now() WHERE job_execution_id = ?", id);
			List<String> status = this.jdbc
				.queryForList("SELECT status FROM batch_job_execution WHERE job_execution_id = ?", String.class, id);
			if (!status.isEmpty() && "STOPPING".equals(status.get(0)) && !this.stopSignal.requested()) {
				this.stopSignal.request("execution " + id + " was marked STOPPING (drbatch stop)");
			}
		}
		catch (RuntimeException ex) {
			log.warn("Heartbeat of execution {} not written: {}", id, ex.getMessage());
		}
	}

	/**
	 * Who runs {@code executionId}, if a heartbeat says so. {@link Owner#alive()} is
	 * false when the beat is older than {@link #STALE_AFTER}, or when the owner is on
	 * this host and its pid no longer exists.
	 */
	public Optional<Owner> owner(long executionId) {
		List<Owner> owners = this.jdbc.query(
				"SELECT host, pid, beat_at, now() - beat_at < ? * interval '1 second' AS fresh FROM drbatch_heartbeat "
						+ "WHERE job_execution_id = ?",
				(rs, row) -> {
					String ownerHost = rs.getString(1);
					long ownerPid = rs.getLong(2);
					boolean alive = rs.getBoolean(4);
					if (alive && ownerHost.equals(this.host)) {
						alive = ProcessHandle.of(ownerPid).map(ProcessHandle::isAlive).orElse(false);
					}
					return new Owner(ownerHost, ownerPid, rs.getTimestamp(3).toInstant(), alive);
				}, STALE_AFTER.toSeconds(), executionId);
		return owners.stream().findFirst();
	}

	private static String hostName() {
		String fromEnvironment = System.getenv("HOSTNAME");
		if (fromEnvironment != null && !fromEnvironment.isBlank()) {
			return fromEnvironment;
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return "unknown";
		}
	}

}
