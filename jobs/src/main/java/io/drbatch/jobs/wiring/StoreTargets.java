package io.drbatch.jobs.wiring;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.jobs.config.Secrets;
import io.drbatch.store.ObjectStore;
import io.drbatch.store.S3ObjectStore;
import io.drbatch.store.S3TargetConfig;

/**
 * The configured storage targets, each opened once on first use and closed with the
 * application context. The first configured target is the primary. Thread-safe.
 */
public class StoreTargets implements AutoCloseable {

	private final Map<String, Function<String, ObjectStore>> openers = new LinkedHashMap<>();

	private final Map<String, ObjectStore> open = new LinkedHashMap<>();

	/**
	 * The configured S3 targets; {@code maxConnections} HTTP connections each at most.
	 */
	public StoreTargets(List<DrbatchProperties.Target> targets, int maxConnections) {
		targets.forEach(
				target -> this.openers.put(target.name(), name -> new S3ObjectStore(toConfig(target, maxConnections))));
	}

	private StoreTargets(List<ObjectStore> stores) {
		stores.forEach(store -> this.openers.put(store.name(), name -> store));
	}

	/**
	 * Stores already open (in-memory ones in tests), by their names; the first is the
	 * primary.
	 */
	public static StoreTargets of(ObjectStore... stores) {
		return new StoreTargets(List.of(stores));
	}

	public ObjectStore primary() {
		return get(this.openers.keySet().iterator().next());
	}

	public List<String> names() {
		return List.copyOf(this.openers.keySet());
	}

	public synchronized ObjectStore get(String name) {
		Function<String, ObjectStore> opener = this.openers.get(name);
		if (opener == null) {
			throw new DrbatchException(FailureKind.BAD_ARGUMENT,
					"unknown target '" + name + "'; configured targets: " + String.join(", ", this.openers.keySet()));
		}
		return this.open.computeIfAbsent(name, opener);
	}

	static S3TargetConfig toConfig(DrbatchProperties.Target target, int maxConnections) {
		return new S3TargetConfig(target.name(), target.endpoint(), target.region(), target.bucket(), target.prefix(),
				target.pathStyle(), Secrets.storeCredentials(target), target.storageClass(),
				target.serverSideEncryption(), blankToNull(target.kmsKeyId()), maxConnections);
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
		return "StoreTargets" + this.openers.keySet();
	}

}
