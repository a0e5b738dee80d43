package io.drbatch.jobs.wiring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.Secrets;
import io.drbatch.store.ObjectStore;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.store.S3TargetConfig;

/**
 * The configured storage targets, each opened once on first use and closed with the application context.
 * The first configured target is the primary. Thread-safe.
 */
public class StoreTargets implements AutoCloseable {

	private final Map<String, DrbatchProperties.Target> configured = new LinkedHashMap<>();

	private final Map<String, ObjectStore> open = new LinkedHashMap<>();

	private final int maxConnections;

	public StoreTargets(List<DrbatchProperties.Target> targets, int maxConnections) {
		targets.forEach(target -> this.configured.put(target.name(), target));
		this.maxConnections = maxConnections;
	}

	public ObjectStore primary() {
		return get(this.configured.keySet().iterator().next());
	}

	public List<String> names() {
		return List.copyOf(this.configured.keySet());
	}

	public synchronized ObjectStore get(String name) {
		DrbatchProperties.Target target = this.configured.get(name);
		if (target == null) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT, "unknown target '" + name + "'; configured targets: "
					+ String.join(", ", this.configured.keySet()));
		}
		return this.open.computeIfAbsent(name, n -> new S3ObjectStore(toConfig(target)));
	}

	S3TargetConfig toConfig(DrbatchProperties.Target target) {
		return new S3TargetConfig(target.name(), target.endpoint(), target.region(), target.bucket(), target.prefix(),
				target.pathStyle(), Secrets.storeCredentials(target), target.storageClass(),
				target.serverSideEncryption(), blankToNull(target.kmsKeyId()), this.maxConnections);
	}

	private static String blankToNull(String value) {
		return value == null || value.isBlank() ? null : value;
	}

	@Override
	public synchronized void close() {
		this.open.values().forEach(ObjectStore::close);
		this.open.clear();
	}

	@Override
	public String toString() {
		return this.configured.values().stream().map(Object::toString).collect(Collectors.joining(", "));
	}

}
