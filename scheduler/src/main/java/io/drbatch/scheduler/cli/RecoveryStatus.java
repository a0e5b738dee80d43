package io.drbatch.scheduler.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.stereotype.Component;

import io.drbatch.jobs.restore.DrillReport;
import io.drbatch.manifest.ManifestJson;
import io.drbatch.scheduler.status.StatusReader;
import io.drbatch.scheduler.status.StatusReport;

/**
 * {@code drbatch status}: one screen that answers "can we recover right now?", rendered
 * from the {@link StatusReport} that {@link StatusReader} builds (the same data as
 * {@code drbatch status --json} and the web page). Per configured database: the newest
 * backup on each target, its age against the RPO target and each secondary's lag behind
 * the primary, the last restore drill with its result and measured RTO against the
 * target; the WAL archives; then the next scheduled fires and the executions that failed
 * or stopped and wait for {@code drbatch restart}. Exit code 13 when AT RISK. Reads only;
 * stateless.
 */
@Component
class RecoveryStatus {

	private final StatusReader reader;

	RecoveryStatus(StatusReader reader) {
		this.reader = reader;
	}

	ExitCode print(PrintStream out, OutputFormat format) {
		StatusReport report = this.reader.read();
		if (format == OutputFormat.JSON) {
			out.println(new String(ManifestJson.write(report), StandardCharsets.UTF_8));
		}
		else {
			printText(out, report);
		}
		return report.recoverable() ? ExitCode.OK : ExitCode.AT_RISK;
	}

	private static void printText(PrintStream out, StatusReport report) {
		out.printf("drbatch status at %s (RPO target %s, RTO target %s)%n%n", time(report.at()),
				human(report.rpoTargetMillis()), human(report.rtoTargetMillis()));
		out.printf("%-18s %-10s %-18s %-16s %-6s %-12s %-20s %s%n", "DATABASE", "TARGET", "NEWEST BACKUP", "AGE / RPO",
				"", "LAG", "LAST DRILL", "RESULT, RTO / TARGET");
		for (StatusReport.DatabaseStatus database : report.databases()) {
			StatusReport.Drill drill = database.lastDrill();
			boolean first = true;
			for (StatusReport.TargetCopy copy : database.targets()) {
				out.printf("%-18s %-10s %-18s %-16s %-6s %-12s %-20s %s%n", first ? database.database() : "",
						copy.target(),
						copy.newestBackup() != null ? copy.newestBackup()
								: copy.problem() != null ? "UNREADABLE" : "none",
						copy.ageMillis() == null ? "-"
								: human(copy.ageMillis()) + " / " + human(report.rpoTargetMillis()),
						copy.fresh() ? "ok" : "STALE", copy.lag(),
						first ? (drill != null ? time(drill.started()) : "never") : "",
						first ? (drill != null ? drill.result() + ", " + human(drill.rtoMillis()) + " / "
								+ human(drill.rtoTargetMillis()) : "-") : "");
				first = false;
			}
		}
		printPitr(out, report);
		printSchedule(out, report.schedule());
		printAwaitingRelaunch(out, report.awaitingRelaunch());
		out.println();
		if (report.recoverable()) {
			out.println("RECOVERABLE: every database has a backup within its RPO target and a passing drill");
			return;
		}
		out.println("AT RISK:");
		report.risks().forEach(risk -> out.println("  - " + risk));
	}

	private static void printPitr(PrintStream out, StatusReport report) {
		if (report.pitr().isEmpty()) {
			return;
		}
		out.println();
		out.printf("Point-in-time recovery (WAL archive on target '%s'):%n", report.walArchiveTarget());
		out.printf("%-18s %-20s %-16s %-6s %-16s %-12s %-18s %-8s %-20s %s%n", "DATABASE", "RESTORABLE TO (UTC)",
				"AGE / RPO", "", "ARCHIVED THROUGH", "SLOT KEEPS", "NEWEST BASE BACKUP", "CHAIN", "LAST PITR DRILL",
				"RESULT, RTO / TARGET, RECOVERED TO");
		for (StatusReport.PitrStatus pitr : report.pitr()) {
			StatusReport.Drill drill = pitr.lastDrill();
			boolean readable = !"UNREADABLE".equals(pitr.chain());
			out.printf("%-18s %-20s %-16s %-6s %-16s %-12s %-18s %-8s %-20s %s%n", pitr.database(),
					pitr.restorableTo() != null ? time(pitr.restorableTo()) : "never",
					(pitr.ageMillis() != null ? human(pitr.ageMillis()) : "-") + " / " + human(pitr.rpoTargetMillis()),
					pitr.current() ? "ok" : "STALE", pitr.archivedThrough() != null ? pitr.archivedThrough() : "-",
					readable ? (pitr.slotRetainedBytes() / (1024 * 1024)) + " MB" : "-",
					readable ? (pitr.newestBaseBackup() != null ? pitr.newestBaseBackup() : "none") : "-", pitr.chain(),
					drill != null ? time(drill.started()) : "never",
					drill != null
							? drill.result() + ", " + human(drill.rtoMillis()) + " / " + human(drill.rtoTargetMillis())
									+ (drill.recoveredLsn() != null
											? ", " + drill.recoveredLsn() + " (" + drill.comparison() + ")" : "")
							: "-");
			if (pitr.windowFrom() != null) {
				out.printf("%-18s recoverable window %s to %s%n", "", pitr.windowFrom(), pitr.windowTo());
			}
		}
	}

	private static void printSchedule(PrintStream out, StatusReport.Schedule schedule) {
		out.println();
		if (!schedule.registered()) {
			out.println("Next fires: no scheduler has registered a schedule in this job repository");
			return;
		}
		out.println("Next fires (UTC), " + schedule.liveSchedulers() + " live scheduler instance(s):");
		if (schedule.fires().isEmpty()) {
			out.println("  (nothing scheduled)");
		}
		for (StatusReport.Fire fire : schedule.fires()) {
			out.println(String.format("  %-16s %-20s cron '%s' (%s)", fire.trigger(),
					fire.next() != null ? time(fire.next()) : "-", fire.cron(), fire.state()));
		}
	}

	private static void printAwaitingRelaunch(PrintStream out, List<StatusReport.AwaitingRelaunch> waiting) {
		out.println();
		if (waiting.isEmpty()) {
			out.println("Awaiting relaunch: none");
			return;
		}
		out.println("Awaiting relaunch ('drbatch restart <id>', or 'drbatch abandon <id>'):");
		for (StatusReport.AwaitingRelaunch execution : waiting) {
			out.println(String.format("  %-6d %-14s %-9s %-20s %s", execution.executionId(), execution.job(),
					execution.status(), execution.started() == null ? "-" : time(execution.started()),
					execution.parameters()));
		}
	}

	private static String time(Instant instant) {
		return LocalDateTime.ofInstant(instant, ZoneOffset.UTC).withNano(0).toString();
	}

	private static String human(long millis) {
		return DrillReport.human(millis);
	}

}
