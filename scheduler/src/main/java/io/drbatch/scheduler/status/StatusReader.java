package io.drbatch.scheduler.status;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import javax.sql.DataSource;

import org.springframework.batch.core.BatchStatus;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.JobInstance;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.runcontrol.ExecutionHeartbeat;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.manifest.BaseBackupManifest;
import io.drbatch.scheduler.metrics.RecoveryView;
import io.drbatch.jobs.runcontrol.Relaunch;

/**
 * Builds the {@link StatusReport}: per configured database the newest backup on each
 * target, its age against the RPO target and each secondary's lag behind the primary, the
 * last restore drill; per source with point-in-time recovery its WAL archive and last
 * PITR drill; the next scheduled fires; the executions that failed or stopped and wait
 * for {@code drbatch restart}. The verdict is AT RISK when a database has no backup
 * within the RPO target on the primary, or its last drill did not pass or is older than a
 * week and a day, or its point-in-time recovery is at risk. The stores are read through
 * {@link RecoveryView}'s cached snapshot, so a burst of requests lists the bucket once.
 * Reads only; thread-safe.
 */
@Component
public class StatusReader {

	private final RecoveryView view;

	private final JobRepository jobRepository;

	private final List<JobDescriptor> descriptors;

	private final ExecutionHeartbeat heartbeat;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	public StatusReader(RecoveryView view, JobRepository jobRepository, List<JobDescriptor> descriptors,
			ExecutionHeartbeat heartbeat, DataSource dataSource, Clock clock) {
		this.view = view;
		this.jobRepository = jobRepository;
		this.descriptors = descriptors;
		this.heartbeat = heartbeat;
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
	}

	public StatusReport read() {
		Instant now = this.clock.instant();
		Duration rpo = this.view.rpoTarget();
		RecoveryView.Snapshot snapshot = this.view.snapshot();
		List<String> risks = new ArrayList<>();
		List<StatusReport.DatabaseStatus> databases = new ArrayList<>();
		for (String database : this.view.databases()) {
			Optional<DrillReport> drill = snapshot.lastDrills().getOrDefault(database, Optional.empty());
			List<StatusReport.TargetCopy> copies = new ArrayList<>();
			Instant primaryNewest = null;
			for (String targetName : this.view.targetNames()) {
				boolean primary = copies.isEmpty();
				Optional<BackupManifest> newest = snapshot.newest(database, targetName);
				String problem = snapshot.find(database, targetName).map(RecoveryView.Newest::problem).orElse(null);
				Duration age = newest.map(m -> Duration.between(m.source().snapshotTime(), now)).orElse(null);
				boolean fresh = age != null && age.compareTo(rpo) <= 0;
				if (primary && !fresh) {
					risks.add(database + ": " + (age == null
							? "no backup on the primary target"
									+ (problem != null ? " (unreadable: " + problem + ")" : "")
							: "newest backup is " + human(age) + " old, beyond the RPO target of " + human(rpo)));
				}
				Instant snapshotTime = newest.map(m -> m.source().snapshotTime()).orElse(null);
				String lag;
				Long lagMillis = null;
				if (primary) {
					primaryNewest = snapshotTime;
					lag = "primary";
				}
				else if (primaryNewest == null || snapshotTime == null) {
					lag = snapshotTime == null ? "no copy" : "-";
				}
				else {
					Duration behind = Duration.between(snapshotTime, primaryNewest);
					lagMillis = Math.max(0, behind.toMillis());
					lag = behind.isNegative() || behind.isZero() ? "in step" : human(behind) + " behind";
				}
				int held = snapshot.find(database, targetName).map(RecoveryView.Newest::copies).orElse(0);
				copies.add(new StatusReport.TargetCopy(targetName, newest.map(BackupManifest::backupId).orElse(null),
						held, snapshotTime, age != null ? age.toMillis() : null, fresh, lag, lagMillis, problem));
			}
			if (drill.isEmpty()) {
				risks.add(database + ": never drilled; nothing proves its backups restore");
			}
			else if (!drill.get().passed()) {
				risks.add(database + ": last drill FAILED"
						+ (drill.get().failures().isEmpty() ? "" : " (" + drill.get().failures().get(0) + ")"));
			}
			else if (Duration.between(drill.get().drillStarted(), now).compareTo(RecoveryView.DRILL_MAX_AGE) > 0) {
				risks.add(database + ": last passing drill is "
						+ human(Duration.between(drill.get().drillStarted(), now)) + " old");
			}
			databases.add(new StatusReport.DatabaseStatus(database, List.copyOf(copies), drill(drill, "dump")));
		}
		List<StatusReport.PitrStatus> pitr = new ArrayList<>();
		for (RecoveryView.Pitr source : snapshot.pitr().values()) {
			pitr.add(pitrStatus(source, now));
			risks.addAll(source.risks(now));
		}
		return new StatusReport(now, rpo.toMillis(), this.view.rtoTarget().toMillis(),
				risks.isEmpty() ? StatusReport.RECOVERABLE : StatusReport.AT_RISK, List.copyOf(risks),
				List.copyOf(databases), this.view.primaryName(), List.copyOf(pitr), schedule(), awaitingRelaunch());
	}

	private static StatusReport.PitrStatus pitrStatus(RecoveryView.Pitr source, Instant now) {
		Duration age = source.age(now);
		var health = source.health();
		Instant windowFrom = source.windowFrom();
		return new StatusReport.PitrStatus(source.database(), source.currentAt(), age != null ? age.toMillis() : null,
				source.rpoTarget().toMillis(), age != null && age.compareTo(source.rpoTarget()) <= 0,
				health != null && health.newest() != null ? health.newest().end().toString() : null,
				health != null ? source.slotRetainedBytes() : null,
				health != null ? health.newestBaseBackup().map(BaseBackupManifest::backupId).orElse(null) : null,
				health == null ? "UNREADABLE" : health.broken() ? "BROKEN" : "ok", windowFrom,
				windowFrom != null ? source.currentAt() : null, drill(source.lastDrill(), "pitr"), source.problem());
	}

	private static StatusReport.Drill drill(Optional<DrillReport> report, String kind) {
		return report
			.map(d -> new StatusReport.Drill(kind, d.result(), d.drillStarted(), d.rtoMillis(), d.rtoTargetMillis(),
					d.rpoMillis(), d.rpoTargetMillis(), d.backupId(), d.target(),
					BackupLayout.newBackupId(d.drillStarted()), List.copyOf(d.failures()),
					d.pitr() != null ? d.pitr().recoveredLsn() : null, d.pitr() != null ? d.pitr().comparison() : null))
			.orElse(null);
	}

	private StatusReport.Schedule schedule() {
		Boolean hasTables = this.jdbc.queryForObject("SELECT to_regclass('qrtz_triggers') IS NOT NULL", Boolean.class);
		if (!Boolean.TRUE.equals(hasTables)) {
			return new StatusReport.Schedule(false, 0, List.of());
		}
		List<StatusReport.Fire> fires = this.jdbc.query(
				"SELECT t.trigger_name, t.next_fire_time, c.cron_expression, t.trigger_state FROM qrtz_triggers t "
						+ "LEFT JOIN qrtz_cron_triggers c USING (sched_name, trigger_name, trigger_group) "
						+ "WHERE t.sched_name = 'drbatch' ORDER BY t.next_fire_time",
				(rs, row) -> new StatusReport.Fire(rs.getString(1),
						rs.getLong(2) > 0 ? Instant.ofEpochMilli(rs.getLong(2)) : null, rs.getString(3),
						rs.getString(4)));
		List<String> schedulers = this.jdbc.queryForList(
				"SELECT instance_name FROM qrtz_scheduler_state WHERE sched_name = 'drbatch' "
						+ "AND last_checkin_time > (extract(epoch FROM now()) * 1000)::bigint - 3 * checkin_interval",
				String.class);
		return new StatusReport.Schedule(true, schedulers.size(), List.copyOf(fires));
	}

	/**
	 * The last execution of every job instance that FAILED, STOPPED or died (its process
	 * is gone), with the command that relaunches it.
	 */
	public List<StatusReport.AwaitingRelaunch> awaitingRelaunch() {
		List<StatusReport.AwaitingRelaunch> waiting = new ArrayList<>();
		for (JobDescriptor descriptor : this.descriptors) {
			for (JobInstance instance : this.jobRepository.getJobInstances(descriptor.jobName(), 0, 100)) {
				JobExecution last = this.jobRepository.getLastJobExecution(instance);
				if (last == null) {
					continue;
				}
				BatchStatus status = last.getStatus();
				boolean dead = status.isRunning()
						&& this.heartbeat.owner(last.getId()).map(owner -> !owner.alive()).orElse(true);
				if (status == BatchStatus.FAILED || status == BatchStatus.STOPPED || dead) {
					waiting.add(new StatusReport.AwaitingRelaunch(last.getId(), descriptor.jobName(),
							last.getJobParameters().getString("database"), dead ? "DEAD" : status.toString(),
							last.getStartTime() == null ? null
									: last.getStartTime().atZone(ZoneId.systemDefault()).toInstant(),
							parameters(last), Relaunch.command(last.getId())));
				}
			}
		}
		return List.copyOf(waiting);
	}

	/** The execution's parameters as {@code key=value} pairs, sorted. */
	public static String parameters(JobExecution execution) {
		return execution.getJobParameters()
			.parameters()
			.stream()
			.map(p -> p.name() + "=" + p.value())
			.sorted()
			.reduce((a, b) -> a + " " + b)
			.orElse("");
	}

	private static String human(Duration duration) {
		return DrillReport.human(duration.toMillis());
	}

}
