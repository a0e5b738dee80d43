package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
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
import io.drbatch.manifest.BackupManifest;
import io.drbatch.scheduler.metrics.RecoveryView;

/**
 * {@code drbatch status}: one screen that answers "can we recover right now?". Per
 * configured database: the newest backup on each target, its age against the RPO target
 * and each secondary's lag behind the primary, the last restore drill with its result and
 * measured RTO against the target; then the next scheduled fires (when a scheduler has
 * registered them) and the executions that failed or stopped and wait for
 * {@code drbatch restart}. The verdict is AT RISK when a database has no backup within
 * the RPO target on the primary, or its last drill did not pass or is older than a week
 * and a day. Reads only; stateless.
 */
@Component
class RecoveryStatus {

	/**
	 * A weekly drill and a day of slack: an older last drill no longer proves the current
	 * backups.
	 */
	static final Duration DRILL_MAX_AGE = Duration.ofDays(8);

	private final RecoveryView view;

	private final JobRepository jobRepository;

	private final List<JobDescriptor> descriptors;

	private final ExecutionHeartbeat heartbeat;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	RecoveryStatus(RecoveryView view, JobRepository jobRepository, List<JobDescriptor> descriptors,
			ExecutionHeartbeat heartbeat, DataSource dataSource, Clock clock) {
		this.view = view;
		this.jobRepository = jobRepository;
		this.descriptors = descriptors;
		this.heartbeat = heartbeat;
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
	}

	ExitCode print(PrintStream out) {
		Instant now = this.clock.instant();
		Duration rpo = this.view.rpoTarget();
		Duration rto = this.view.rtoTarget();
		RecoveryView.Snapshot snapshot = this.view.snapshot();
		List<String> risks = new ArrayList<>();
		out.printf("drbatch status at %s (RPO target %s, RTO target %s)%n%n", time(now), human(rpo), human(rto));
		out.printf("%-18s %-10s %-18s %-16s %-6s %-12s %-20s %s%n", "DATABASE", "TARGET", "NEWEST BACKUP", "AGE / RPO",
				"", "LAG", "LAST DRILL", "RESULT, RTO / TARGET");
		for (String database : this.view.databases()) {
			Optional<DrillReport> drill = snapshot.lastDrills().getOrDefault(database, Optional.empty());
			boolean first = true;
			Instant primaryNewest = null;
			for (String targetName : this.view.targetNames()) {
				Optional<BackupManifest> newest = snapshot.newest(database, targetName);
				String problem = snapshot.find(database, targetName)
					.map(RecoveryView.Newest::problem)
					.map(text -> "unreadable: " + text)
					.orElse(null);
				Duration age = newest.map(m -> Duration.between(m.source().snapshotTime(), now)).orElse(null);
				boolean fresh = age != null && age.compareTo(rpo) <= 0;
				if (first && !fresh) {
					risks.add(database + ": " + (age == null
							? "no backup on the primary target" + (problem != null ? " (" + problem + ")" : "")
							: "newest backup is " + human(age) + " old, beyond the RPO target of " + human(rpo)));
				}
				Instant snapshotTime = newest.map(m -> m.source().snapshotTime()).orElse(null);
				String lag;
				if (first) {
					primaryNewest = snapshotTime;
					lag = "primary";
				}
				else if (primaryNewest == null || snapshotTime == null) {
					lag = snapshotTime == null ? "no copy" : "-";
				}
				else {
					Duration behind = Duration.between(snapshotTime, primaryNewest);
					lag = behind.isNegative() || behind.isZero() ? "in step" : human(behind) + " behind";
				}
				out.printf("%-18s %-10s %-18s %-16s %-6s %-12s %-20s %s%n", first ? database : "", targetName,
						newest.map(BackupManifest::backupId).orElse(problem != null ? "UNREADABLE" : "none"),
						age == null ? "-" : human(age) + " / " + human(rpo), fresh ? "ok" : "STALE", lag,
						first ? drill.map(d -> time(d.drillStarted())).orElse("never") : "",
						first ? drill
							.map(d -> d.result() + ", " + human(d.rtoMillis()) + " / " + human(d.rtoTargetMillis()))
							.orElse("-") : "");
				first = false;
			}
			if (drill.isEmpty()) {
				risks.add(database + ": never drilled; nothing proves its backups restore");
			}
			else if (!drill.get().passed()) {
				risks.add(database + ": last drill FAILED"
						+ (drill.get().failures().isEmpty() ? "" : " (" + drill.get().failures().get(0) + ")"));
			}
			else if (Duration.between(drill.get().drillStarted(), now).compareTo(DRILL_MAX_AGE) > 0) {
				risks.add(database + ": last passing drill is "
						+ human(Duration.between(drill.get().drillStarted(), now)) + " old");
			}
		}
		printPitr(out, snapshot, now, risks);
		printSchedule(out);
		printAwaitingRelaunch(out);
		out.println();
		if (risks.isEmpty()) {
			out.println("RECOVERABLE: every database has a backup within its RPO target and a passing drill");
			return ExitCode.OK;
		}
		out.println("AT RISK:");
		risks.forEach(risk -> out.println("  - " + risk));
		return ExitCode.AT_RISK;
	}

	/**
	 * The WAL archive of every source with point-in-time recovery, and what puts it at
	 * risk.
	 */
	private void printPitr(PrintStream out, RecoveryView.Snapshot snapshot, Instant now, List<String> risks) {
		if (snapshot.pitr().isEmpty()) {
			return;
		}
		out.println();
		out.printf("Point-in-time recovery (WAL archive on target '%s'):%n", this.view.primaryName());
		out.printf("%-18s %-20s %-16s %-6s %-16s %-12s %-18s %-8s %-20s %s%n", "DATABASE", "RESTORABLE TO (UTC)",
				"AGE / RPO", "", "ARCHIVED THROUGH", "SLOT KEEPS", "NEWEST BASE BACKUP", "CHAIN", "LAST PITR DRILL",
				"RESULT, RTO / TARGET, RECOVERED TO");
		for (RecoveryView.Pitr pitr : snapshot.pitr().values()) {
			Duration age = pitr.age(now);
			boolean current = age != null && age.compareTo(pitr.rpoTarget()) <= 0;
			var health = pitr.health();
			Optional<DrillReport> drill = pitr.lastDrill();
			out.printf("%-18s %-20s %-16s %-6s %-16s %-12s %-18s %-8s %-20s %s%n", pitr.database(),
					pitr.currentAt() != null ? time(pitr.currentAt()) : "never",
					(age != null ? human(age) : "-") + " / " + human(pitr.rpoTarget()), current ? "ok" : "STALE",
					health != null && health.newest() != null ? health.newest().end().toString() : "-",
					health != null ? (pitr.slotRetainedBytes() / (1024 * 1024)) + " MB" : "-",
					health != null ? health.newestBaseBackup().map(m -> m.backupId()).orElse("none") : "-",
					health == null ? "UNREADABLE" : health.broken() ? "BROKEN" : "ok",
					drill.map(d -> time(d.drillStarted())).orElse("never"),
					drill
						.map(d -> d.result() + ", " + human(d.rtoMillis()) + " / " + human(d.rtoTargetMillis())
								+ (d.pitr() != null && d.pitr().recoveredLsn() != null
										? ", " + d.pitr().recoveredLsn() + " (" + d.pitr().comparison() + ")" : ""))
						.orElse("-"));
			if (pitr.window() != null) {
				out.printf("%-18s recoverable window %s%n", "", pitr.window());
			}
			risks.addAll(pitr.risks(now));
		}
	}

	private void printSchedule(PrintStream out) {
		Boolean hasTables = this.jdbc.queryForObject("SELECT to_regclass('qrtz_triggers') IS NOT NULL", Boolean.class);
		out.println();
		if (!Boolean.TRUE.equals(hasTables)) {
			out.println("Next fires: no scheduler has registered a schedule in this job repository");
			return;
		}
		List<String> fires = this.jdbc.query(
				"SELECT t.trigger_name, t.next_fire_time, c.cron_expression, t.trigger_state FROM qrtz_triggers t "
						+ "LEFT JOIN qrtz_cron_triggers c USING (sched_name, trigger_name, trigger_group) "
						+ "WHERE t.sched_name = 'drbatch' ORDER BY t.next_fire_time",
				(rs, row) -> String.format("  %-16s %-20s cron '%s' (%s)", rs.getString(1),
						rs.getLong(2) > 0 ? time(Instant.ofEpochMilli(rs.getLong(2))) : "-", rs.getString(3),
						rs.getString(4)));
		List<String> schedulers = this.jdbc.queryForList(
				"SELECT instance_name FROM qrtz_scheduler_state WHERE sched_name = 'drbatch' "
						+ "AND last_checkin_time > (extract(epoch FROM now()) * 1000)::bigint - 3 * checkin_interval",
				String.class);
		out.println("Next fires (UTC), " + schedulers.size() + " live scheduler instance(s):");
		if (fires.isEmpty()) {
			out.println("  (nothing scheduled)");
		}
		fires.forEach(out::println);
	}

	private void printAwaitingRelaunch(PrintStream out) {
		List<String> waiting = new ArrayList<>();
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
					waiting.add(String.format("  %-6d %-14s %-9s %-20s %s", last.getId(), descriptor.jobName(),
							dead ? "DEAD" : status.toString(),
							last.getStartTime() == null ? "-"
									: time(last.getStartTime().toInstant(java.time.OffsetDateTime.now().getOffset())),
							last.getJobParameters()
								.parameters()
								.stream()
								.map(p -> p.name() + "=" + p.value())
								.sorted()
								.reduce((a, b) -> a + " " + b)
								.orElse("")));
				}
			}
		}
		out.println();
		if (waiting.isEmpty()) {
			out.println("Awaiting relaunch: none");
			return;
		}
		out.println("Awaiting relaunch ('drbatch restart <id>', or 'drbatch abandon <id>'):");
		waiting.forEach(out::println);
	}

	private static String time(Instant instant) {
		return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).withNano(0).toString();
	}

	private static String human(Duration duration) {
		return DrillReport.human(duration.toMillis());
	}

	private static String human(long millis) {
		return DrillReport.human(millis);
	}

}
