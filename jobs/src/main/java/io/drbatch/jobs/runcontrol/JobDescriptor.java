package io.drbatch.jobs.runcontrol;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersBuilder;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

/**
 * What a job accepts on the command line: its name and its parameters, each with a check
 * and a default. All parameters are identifying, so a duplicate launch for the same
 * database and date lands on the same job instance instead of making a second backup.
 * Parameters never carry secrets: they are stored in plain text in the job repository.
 * Immutable and thread-safe.
 */
public record JobDescriptor(String jobName, String description, List<Parameter> parameters,
		java.util.function.Predicate<String> appliesTo, boolean everySource) {

	/** A job that applies to every configured source. */
	public JobDescriptor(String jobName, String description, List<Parameter> parameters) {
		this(jobName, description, parameters, database -> true);
	}

	/** A job that applies to the sources {@code appliesTo} accepts. */
	public JobDescriptor(String jobName, String description, List<Parameter> parameters,
			java.util.function.Predicate<String> appliesTo) {
		this(jobName, description, parameters, appliesTo, false);
	}

	/**
	 * Whether the job runs per source: it takes a {@code database} parameter (retention,
	 * metrics and the like take none and cover every source in one run).
	 */
	public boolean takesDatabase() {
		return this.parameters.stream().anyMatch(parameter -> parameter.key().equals("database"));
	}

	/**
	 * The sources, of {@code configured}, this job runs for: those it applies to, or none
	 * when it does not run per source.
	 */
	public List<String> sourcesAmong(List<String> configured) {
		return takesDatabase() ? configured.stream().filter(this.appliesTo).toList() : List.of();
	}

	/**
	 * This job, run for every source it applies to when no {@code database} is named
	 * (each its own job instance), as a scheduler fire runs it.
	 */
	public JobDescriptor forEverySource() {
		return new JobDescriptor(this.jobName, this.description, this.parameters, this.appliesTo, true);
	}

	/**
	 * @param defaultValue computes the value when none is given, or returns {@code null}
	 * when the parameter is optional and absent
	 */
	public record Parameter(String key, String description, Function<String, String> check,
			Function<Clock, String> defaultValue) {
	}

	/** A date parameter ({@code yyyy-MM-dd}) that defaults to today in UTC. */
	public static Parameter runDate(String key, String description) {
		return new Parameter(key, description, value -> {
			try {
				return LocalDate.parse(value).toString();
			}
			catch (DateTimeParseException ex) {
				throw new DrbatchException(FailureKind.BAD_ARGUMENT,
						"parameter " + key + "='" + value + "' is not a date (yyyy-MM-dd)");
			}
		}, clock -> LocalDate.now(clock.withZone(ZoneOffset.UTC)).toString());
	}

	/**
	 * Reads a point in time for parameter {@code key}: an ISO-8601 instant
	 * ({@code 2026-11-26T09:30:00Z}), a date-time with an offset, a date-time without one
	 * (taken as UTC), or a date (its start, UTC).
	 */
	public static java.time.Instant instant(String key, String value) {
		try {
			if (value.length() == 10) {
				return LocalDate.parse(value).atStartOfDay(ZoneOffset.UTC).toInstant();
			}
			java.time.temporal.TemporalAccessor parsed = java.time.format.DateTimeFormatter.ISO_DATE_TIME
				.parseBest(value, java.time.OffsetDateTime::from, java.time.LocalDateTime::from);
			return parsed instanceof java.time.OffsetDateTime offset ? offset.toInstant()
					: ((java.time.LocalDateTime) parsed).toInstant(ZoneOffset.UTC);
		}
		catch (DateTimeParseException ex) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "parameter " + key + "='" + value
					+ "' is not a time (ISO-8601, e.g. 2026-11-26T09:30:00Z, or a date yyyy-MM-dd)");
		}
	}

	/**
	 * Reads {@code true} or {@code false} for parameter {@code key}, refusing anything
	 * else.
	 */
	public static String bool(String key, String value) {
		if (value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false")) {
			return value.toLowerCase(java.util.Locale.ROOT);
		}
		throw new DrbatchException(FailureKind.BAD_ARGUMENT,
				"parameter " + key + "='" + value + "' is not true or false");
	}

	/**
	 * Checks {@code given} (unknown keys and malformed values are refused with
	 * {@link FailureKind#BAD_ARGUMENT}) and fills in defaults.
	 */
	public JobParameters toJobParameters(Map<String, String> given, Clock clock) {
		Map<String, String> remaining = new LinkedHashMap<>(given);
		JobParametersBuilder builder = new JobParametersBuilder();
		for (Parameter parameter : this.parameters) {
			String value = remaining.remove(parameter.key());
			if (value == null || value.isEmpty()) {
				value = parameter.defaultValue().apply(clock);
			}
			else {
				value = parameter.check().apply(value);
			}
			if (value != null) {
				builder.addString(parameter.key(), value, true);
			}
		}
		if (!remaining.isEmpty()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"unknown parameter(s) " + remaining.keySet() + " for job " + this.jobName + "; it takes "
							+ this.parameters.stream().map(Parameter::key).toList());
		}
		return builder.toJobParameters();
	}

}
