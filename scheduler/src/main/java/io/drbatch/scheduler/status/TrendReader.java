package io.drbatch.scheduler.status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.batch.core.repository.dao.DefaultExecutionContextSerializer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

import io.drbatch.jobs.replication.ReplicationLag;
import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.jobs.walarchive.WalArchiveContext;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.scheduler.metrics.RecoveryView;
import io.drbatch.jobs.runcontrol.JobNames;

/**
 * Builds {@link Trends} for a window of days, for the configured sources and targets only
 * (a job repository keeps the history of sources since removed). Backups, replication lag
 * and WAL archive runs come from the job repository in one query per window (not through
 * the {@code JobRepository} API, which loads executions one instance at a time: a
 * wal-archive every five minutes is 26,000 executions in 90 days); drill reports come
 * from {@link RecoveryView}'s cached reading of the bucket. A window's result is kept for
 * {@code drbatch.status.cache-period} (15 s), so a burst of page loads reads the job
 * repository once per window and never lists the bucket. A saw-tooth longer than
 * {@link #MAX_POINTS} keeps, per slice of time, its highest and lowest point (the peaks
 * are what the plot is for). Reads only; thread-safe.
 */
@Component
public class TrendReader {

	/** Points per source kept in the restore-point age series. */
	static final int MAX_POINTS = 2000;

	private static final String BYTES_OUT = "drbatch.bytes.out";

	private record Cached(Instant readAt, Trends trends) {
	}

	/** One execution of a job the plots draw, with its context. */
	record Run(long executionId, String job, String status, Instant started, Instant ended, String database,
			Map<String, Object> context) {
	}

	private final RecoveryView view;

	private final JdbcTemplate jdbc;

	private final Clock clock;

	private final DefaultExecutionContextSerializer serializer = new DefaultExecutionContextSerializer();

	private final Map<Integer, Cached> cache = new HashMap<>();

	public TrendReader(RecoveryView view, DataSource dataSource, Clock clock) {
		this.view = view;
		this.jdbc = new JdbcTemplate(dataSource);
		this.clock = clock;
	}

	/**
	 * The trends of the last {@code days} days, from a reading at most the cache period
	 * old.
	 */
	public synchronized Trends read(int days) {
		Instant now = this.clock.instant();
		Cached cached = this.cache.get(days);
		if (cached == null || Duration.between(cached.readAt(), now).compareTo(this.view.cachePeriod()) > 0) {
			cached = new Cached(now, build(days, now));
			this.cache.put(days, cached);
		}
		return cached.trends();
	}

	private Trends build(int days, Instant now) {
		Instant from = now.minus(Duration.ofDays(days));
		List<Run> runs = runs(from);
		List<Trends.BackupRun> backups = new ArrayList<>();
		List<Trends.ReplicationSample> replication = new ArrayList<>();
		List<String> secondaries = this.view.targetNames().stream().skip(1).toList();
		List<String> databases = this.view.databases();
		Map<String, List<Run>> archiveRuns = new HashMap<>();
		for (Run run : runs) {
			boolean completed = "COMPLETED".equals(run.status());
			switch (run.job()) {
				case JobNames.DAILY_DUMP, JobNames.BASE_BACKUP -> {
					if (completed && run.started() != null && run.ended() != null
							&& databases.contains(run.database())) {
						backups.add(new Trends.BackupRun(run.database(),
								run.job().equals(JobNames.DAILY_DUMP) ? "dump" : "base", run.ended(),
								Duration.between(run.started(), run.ended()).toMillis(),
								number(run.context().get(BYTES_OUT)), run.executionId()));
					}
				}
				case JobNames.REPLICATION -> replication.addAll(replicationSamples(run, secondaries));
				case JobNames.WAL_ARCHIVE -> {
					if (completed && run.ended() != null
							&& run.context().get(WalArchiveContext.CURRENT_AT_MILLIS) instanceof Number) {
						archiveRuns.computeIfAbsent(run.database(), database -> new ArrayList<>()).add(run);
					}
				}
				default -> {
				}
			}
		}
		List<Trends.RestorePointAge> walArchive = new ArrayList<>();
		for (var source : this.view.snapshot().pitr().values()) {
			walArchive.addAll(decimate(restorePointAges(source.database(), source.rpoTarget().toMillis(),
					archiveRuns.getOrDefault(source.database(), List.of()), now), MAX_POINTS));
		}
		return new Trends(from, now, days, List.copyOf(backups), drills(from), List.copyOf(replication),
				List.copyOf(walArchive));
	}

	private List<Trends.DrillRun> drills(Instant from) {
		List<Trends.DrillRun> drills = new ArrayList<>();
		this.view.snapshot().drills().forEach((database, reports) -> {
			for (DrillReport report : reports) {
				if (report.drillStarted() != null && !report.drillStarted().isBefore(from)) {
					drills.add(new Trends.DrillRun(database, report.describesPitrDrill() ? "pitr" : "dump",
							report.drillStarted(), report.rtoMillis(), report.rtoTargetMillis(), report.result(),
							BackupLayout.newBackupId(report.drillStarted())));
				}
			}
		});
		drills.sort(Comparator.comparing(Trends.DrillRun::started));
		return List.copyOf(drills);
	}

	private static List<Trends.ReplicationSample> replicationSamples(Run run, List<String> secondaries) {
		List<Trends.ReplicationSample> samples = new ArrayList<>();
		if (run.ended() == null) {
			return samples;
		}
		for (String target : secondaries) {
			Object status = run.context().get(ReplicationLag.recordedKey(target, "status"));
			if (status == null) {
				continue;
			}
			Long lagSeconds = number(run.context().get(ReplicationLag.recordedKey(target, "lag.seconds")));
			Long behind = number(run.context().get(ReplicationLag.recordedKey(target, "backups.behind")));
			samples.add(new Trends.ReplicationSample(target, run.ended(),
					lagSeconds == null || lagSeconds < 0 ? null : lagSeconds * 1000,
					behind == null ? 0 : behind.intValue(), status.toString(), run.executionId()));
		}
		return samples;
	}

	/**
	 * The saw-tooth of one source: just before each run ended, the restore point was the
	 * previous run's switch; as it ended it became its own; at {@code now} it is the last
	 * run's.
	 */
	static List<Trends.RestorePointAge> restorePointAges(String database, long rpoTargetMillis, List<Run> runs,
			Instant now) {
		List<Run> ordered = runs.stream().sorted(Comparator.comparing(Run::ended)).toList();
		List<Trends.RestorePointAge> points = new ArrayList<>();
		Instant restorePoint = null;
		for (Run run : ordered) {
			Instant switched = Instant.ofEpochMilli(number(run.context().get(WalArchiveContext.CURRENT_AT_MILLIS)));
			if (restorePoint != null) {
				Instant justBefore = run.ended().minusMillis(1);
				points.add(new Trends.RestorePointAge(database, justBefore,
						Duration.between(restorePoint, justBefore).toMillis(), rpoTargetMillis));
			}
			if (restorePoint == null || switched.isAfter(restorePoint)) {
				restorePoint = switched;
			}
			points.add(new Trends.RestorePointAge(database, run.ended(),
					Math.max(0, Duration.between(restorePoint, run.ended()).toMillis()), rpoTargetMillis));
		}
		if (restorePoint != null && now.isAfter(ordered.get(ordered.size() - 1).ended())) {
			points.add(new Trends.RestorePointAge(database, now, Duration.between(restorePoint, now).toMillis(),
					rpoTargetMillis));
		}
		return points;
	}

	/**
	 * At most {@code max} points: the time span cut into {@code (max - 1) / 2} slices,
	 * each keeping its lowest and highest point in time order, and the last point (now).
	 */
	static List<Trends.RestorePointAge> decimate(List<Trends.RestorePointAge> points, int max) {
		if (points.size() <= max) {
			return points;
		}
		long first = points.get(0).at().toEpochMilli();
		long span = Math.max(1, points.get(points.size() - 1).at().toEpochMilli() - first + 1);
		int slices = (max - 1) / 2;
		List<Trends.RestorePointAge> kept = new ArrayList<>();
		int i = 0;
		for (int slice = 0; slice < slices && i < points.size(); slice++) {
			long end = first + span * (slice + 1) / slices;
			Trends.RestorePointAge low = null;
			Trends.RestorePointAge high = null;
			while (i < points.size() && points.get(i).at().toEpochMilli() < end) {
				Trends.RestorePointAge point = points.get(i++);
				low = low == null || point.ageMillis() < low.ageMillis() ? point : low;
				high = high == null || point.ageMillis() > high.ageMillis() ? point : high;
			}
			if (low != null) {
				kept.add(low.at().isBefore(high.at()) ? low : high);
				if (low != high) {
					kept.add(low.at().isBefore(high.at()) ? high : low);
				}
			}
		}
		Trends.RestorePointAge last = points.get(points.size() - 1);
		if (kept.get(kept.size() - 1) != last) {
			kept.add(last);
		}
		return kept;
	}

	private List<Run> runs(Instant from) {
		LocalDateTime since = LocalDateTime.ofInstant(from, ZoneId.systemDefault());
		return this.jdbc.query("""
				SELECT e.job_execution_id, i.job_name, e.status, e.start_time, e.end_time,
				       (SELECT p.parameter_value FROM batch_job_execution_params p
				         WHERE p.job_execution_id = e.job_execution_id AND p.parameter_name = 'database') AS database,
				       c.short_context, c.serialized_context
				  FROM batch_job_execution e
				  JOIN batch_job_instance i ON i.job_instance_id = e.job_instance_id
				  LEFT JOIN batch_job_execution_context c ON c.job_execution_id = e.job_execution_id
				 WHERE i.job_name IN (?, ?, ?, ?) AND e.start_time >= ?
				 ORDER BY e.job_execution_id""", this::run, JobNames.DAILY_DUMP, JobNames.BASE_BACKUP,
				JobNames.REPLICATION, JobNames.WAL_ARCHIVE, since);
	}

	private Run run(ResultSet rs, int row) throws SQLException {
		String serialized = rs.getString("serialized_context") != null ? rs.getString("serialized_context")
				: rs.getString("short_context");
		Map<String, Object> context = Map.of();
		if (serialized != null) {
			try {
				context = this.serializer
					.deserialize(new ByteArrayInputStream(serialized.getBytes(StandardCharsets.UTF_8)));
			}
			catch (IOException | RuntimeException ex) {
				throw new IllegalStateException(
						"cannot read the context of job execution " + rs.getLong("job_execution_id"), ex);
			}
		}
		return new Run(rs.getLong("job_execution_id"), rs.getString("job_name"), rs.getString("status"),
				instant(rs.getObject("start_time", LocalDateTime.class)),
				instant(rs.getObject("end_time", LocalDateTime.class)), rs.getString("database"), context);
	}

	private static Instant instant(LocalDateTime time) {
		return time == null ? null : time.atZone(ZoneId.systemDefault()).toInstant();
	}

	private static Long number(Object value) {
		return value instanceof Number number ? number.longValue() : null;
	}

}
