package io.drbatch.jobs.restore;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.store.ObjectStore;

/**
 * Drill target rotation ({@code target=rotate}): among the targets that hold what a drill
 * of one kind needs, the one whose last drill of that kind is oldest (never drilled
 * first, then configuration order), so every copy is proven in turn. A target that cannot
 * be read is skipped with a warning. Stateless.
 */
public final class DrillRotation {

	private static final Logger log = LoggerFactory.getLogger(DrillRotation.class);

	private DrillRotation() {
	}

	/**
	 * @param kind which reports count as this kind's drills
	 * @param holds whether a target holds what the drill needs (it may throw
	 * {@link DrbatchException} when the target cannot be read)
	 * @param needs what the drill needs, for the message when no target holds it
	 */
	public static String choose(StoreTargets targets, String database, Predicate<DrillReport> kind,
			Predicate<ObjectStore> holds, String needs) {
		Map<String, Instant> lastDrill = new HashMap<>();
		for (DrillReport report : DrillReport.readDrills(targets.primary(), database)) {
			if (kind.test(report) && report.target() != null) {
				lastDrill.merge(report.target(), report.drillStarted(), (a, b) -> a.isAfter(b) ? a : b);
			}
		}
		String chosen = null;
		for (String name : targets.names()) {
			try {
				if (!holds.test(targets.get(name))) {
					continue;
				}
			}
			catch (DrbatchException ex) {
				log.warn("Drill rotation: target '{}' cannot be read, not drilled this time: {}", name,
						ex.getMessage());
				continue;
			}
			if (chosen == null || lastDrill.getOrDefault(name, Instant.MIN)
				.isBefore(lastDrill.getOrDefault(chosen, Instant.MIN))) {
				chosen = name;
			}
		}
		if (chosen == null) {
			throw new DrbatchException(FailureKind.INTEGRITY,
					"no target holds " + needs + " of database '" + database + "' (targets: " + targets.names() + ")");
		}
		log.info("Drill rotation: target '{}' (last drilled {})", chosen,
				lastDrill.containsKey(chosen) ? lastDrill.get(chosen) : "never");
		return chosen;
	}

}
