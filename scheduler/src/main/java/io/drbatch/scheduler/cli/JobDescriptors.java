package io.drbatch.scheduler.cli;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.stereotype.Component;

import io.drbatch.jobs.runcontrol.JobDescriptor;

/** The jobs the CLI knows, by name, in name order. Immutable and thread-safe. */
@Component
class JobDescriptors {

	private final Map<String, JobDescriptor> byName;

	JobDescriptors(List<JobDescriptor> descriptors) {
		this.byName = descriptors.stream()
			.collect(Collectors.toMap(JobDescriptor::jobName, Function.identity(), (a, b) -> a, TreeMap::new));
	}

	/**
	 * The descriptor of {@code jobName}; an unknown name is a bad argument that lists the
	 * jobs.
	 */
	JobDescriptor get(String jobName) {
		JobDescriptor descriptor = this.byName.get(jobName);
		if (descriptor == null) {
			throw new CliFailure(ExitCode.BAD_ARGUMENT,
					"unknown job '" + jobName + "'; jobs: " + String.join(", ", this.byName.keySet()));
		}
		return descriptor;
	}

	List<String> names() {
		return List.copyOf(this.byName.keySet());
	}

}
