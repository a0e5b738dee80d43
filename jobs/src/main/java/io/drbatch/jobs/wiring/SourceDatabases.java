package io.drbatch.jobs.wiring;

import java.util.List;
import java.util.stream.Collectors;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.runcontrol.JobDescriptor;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.Secrets;
import io.drbatch.pg.PgConnectionSpec;

/**
 * The configured source databases by name. A password file is read at the moment a
 * connection spec is made, so a rotated secret is picked up by the next run. Thread-safe.
 */
public class SourceDatabases {

	private final List<DrbatchProperties.Source> sources;

	public SourceDatabases(List<DrbatchProperties.Source> sources) {
		this.sources = List.copyOf(sources);
	}

	/**
	 * The name used when a job is given no {@code database} parameter: the first
	 * configured source.
	 */
	public String defaultName() {
		return this.sources.get(0).name();
	}

	public List<String> names() {
		return this.sources.stream().map(DrbatchProperties.Source::name).toList();
	}

	public PgConnectionSpec resolve(String name) {
		DrbatchProperties.Source source = find(name);
		return new PgConnectionSpec(source.name(), source.host(), source.port(), source.database(), source.username(),
				password(source), source.sslMode());
	}

	/** The configured source {@code name} (its settings, PITR included). */
	public DrbatchProperties.Source settings(String name) {
		return find(name);
	}

	/** The sources with point-in-time recovery enabled, in configuration order. */
	public List<String> pitrNames() {
		return this.sources.stream().filter(s -> s.pitr().enabled()).map(DrbatchProperties.Source::name).toList();
	}

	/** Whether the configured source {@code name} has point-in-time recovery enabled. */
	public boolean hasPitr(String name) {
		return settings(name).pitr().enabled();
	}

	/**
	 * The {@code database} parameter of the point-in-time recovery jobs: a source with
	 * {@code pitr.enabled}, by default the first. Such a job applies to {@link #hasPitr}
	 * sources only, also when it runs for every source.
	 */
	public JobDescriptor.Parameter pitrDatabaseParameter() {
		return new JobDescriptor.Parameter("database",
				"configured source with pitr.enabled (default: every such source, each its own job instance)",
				this::checkPitrName, clock -> firstPitrName());
	}

	/**
	 * The first source with point-in-time recovery (the default of the PITR jobs), else a
	 * {@link FailureKind#BAD_ARGUMENT} saying how to enable it.
	 */
	public String firstPitrName() {
		if (pitrNames().isEmpty()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"no source has point-in-time recovery; set drbatch.sources[N].pitr.enabled=true");
		}
		return pitrNames().get(0);
	}

	/**
	 * {@code name} when it is a configured source with point-in-time recovery, else a
	 * {@link FailureKind#BAD_ARGUMENT} naming the sources that have it.
	 */
	public String checkPitrName(String name) {
		String checked = checkName(name);
		if (!settings(checked).pitr().enabled()) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "source '" + checked
					+ "' has no point-in-time recovery; set drbatch.sources[N].pitr.enabled=true (sources with it: "
					+ (pitrNames().isEmpty() ? "none" : String.join(", ", pitrNames())) + ")");
		}
		return checked;
	}

	/**
	 * {@code name} when it is a configured source, else a
	 * {@link FailureKind#BAD_ARGUMENT} naming the sources.
	 */
	public String checkName(String name) {
		return find(name).name();
	}

	private DrbatchProperties.Source find(String name) {
		return this.sources.stream()
			.filter(s -> s.name().equals(name))
			.findFirst()
			.orElseThrow(() -> new DrbatchException(FailureKind.BAD_ARGUMENT, "unknown database '" + name
					+ "'; configured sources: "
					+ this.sources.stream().map(DrbatchProperties.Source::name).collect(Collectors.joining(", "))));
	}

	private String password(DrbatchProperties.Source source) {
		return Secrets.password(source.passwordEnv(), source.passwordFile(), source.password(),
				"drbatch.sources[" + this.sources.indexOf(source) + "]");
	}

}
