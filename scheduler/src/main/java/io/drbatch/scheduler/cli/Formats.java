package io.drbatch.scheduler.cli;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Collectors;

import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.JobParameters;

/** How the CLI writes times, durations and job parameters for people. Stateless. */
final class Formats {

	private Formats() {
	}

	/** {@code key=value} pairs in key order. */
	static String parameters(JobParameters parameters) {
		return parameters.parameters()
			.stream()
			.map(p -> p.name() + "=" + p.value())
			.sorted()
			.collect(Collectors.joining(" "));
	}

	/**
	 * Seconds with one decimal, {@code 12.3s}; a running execution counts to now;
	 * {@code null} when not started.
	 */
	static String duration(JobExecution execution) {
		Double seconds = seconds(execution);
		return seconds == null ? "-" : String.format("%.1fs", seconds);
	}

	static Double seconds(JobExecution execution) {
		if (execution.getStartTime() == null) {
			return null;
		}
		LocalDateTime end = execution.getEndTime() != null ? execution.getEndTime() : LocalDateTime.now();
		return Duration.between(execution.getStartTime(), end).toMillis() / 1000.0;
	}

	/**
	 * A job repository time (local to this JVM) in UTC, to the second; {@code null} stays
	 * null.
	 */
	static String time(LocalDateTime time) {
		return time == null ? null
				: time.atZone(ZoneId.systemDefault())
					.withZoneSameInstant(ZoneOffset.UTC)
					.toLocalDateTime()
					.withNano(0)
					.toString();
	}

	/**
	 * An instant in UTC, to the second, without the zone letter; {@code null} stays null.
	 */
	static String time(Instant time) {
		return time == null ? null : LocalDateTime.ofInstant(time, ZoneOffset.UTC).withNano(0).toString();
	}

	/**
	 * Minutes below two hours, hours below two days, else days: {@code 45m}, {@code 5h},
	 * {@code 12d}.
	 */
	static String age(Duration age) {
		long minutes = age.toMinutes();
		if (minutes < 120) {
			return minutes + "m";
		}
		if (minutes < 48 * 60) {
			return (minutes / 60) + "h";
		}
		return (minutes / (60 * 24)) + "d";
	}

}
