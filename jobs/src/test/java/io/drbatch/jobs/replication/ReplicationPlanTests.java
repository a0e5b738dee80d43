package io.drbatch.jobs.replication;

import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.infrastructure.item.Chunk;
import org.springframework.batch.test.MetaDataInstanceFactory;
import org.springframework.batch.test.StepScopeTestUtils;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.jobs.TestProperties;
import io.drbatch.jobs.backup.Mismatch;
import io.drbatch.jobs.wiring.StoreTargets;
import io.drbatch.manifest.BackupLayout;
import io.drbatch.manifest.BackupManifest;
import io.drbatch.store.ObjectStore;
import io.drbatch.testing.InMemoryObjectStore;
import io.drbatch.testing.TestBackups;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Replication's planning and copying on in-memory stores, in milliseconds: which backups
 * each secondary lacks and why, a secondary that cannot be read, a quick and a full
 * check, a copy made and vouched for by its manifest, and a primary whose own object is
 * corrupt. ({@code ReplicationJobTests} runs the job against three S3 test servers.)
 */
class ReplicationPlanTests {

	private static final int PART = 5 * 1024 * 1024;

	private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

	private final InMemoryObjectStore primary = new InMemoryObjectStore("primary", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private final InMemoryObjectStore second = new InMemoryObjectStore("second", Clock.fixed(NOW, ZoneOffset.UTC),
			null);

	private BackupManifest backup(ObjectStore store, String snapshot) {
		Instant time = Instant.parse(snapshot);
		return TestBackups.daily(store, "shop", time, PART + 100, PART, time.getEpochSecond());
	}

	@Test
	void eachSecondaryGetsWhatItLacksWithTheReasonAndAnUnreadableOneGetsNothing() {
		BackupManifest held = backup(this.primary, "2026-11-25T02:00:00Z");
		BackupManifest missing = backup(this.primary, "2026-11-24T02:00:00Z");
		BackupManifest partial = backup(this.primary, "2026-11-23T02:00:00Z");
		backup(this.second, "2026-11-25T02:00:00Z");
		backup(this.second, "2026-11-23T02:00:00Z");
		this.second.delete(partial.objects().get(0).key());
		ObjectStore down = unreachable("third");

		ReplicationPlan plan = ReplicationPlan.of(this.primary, List.of(this.second, down), false);

		assertThat(plan.replicas()).extracting(replica -> replica.backup().backupId())
			.containsExactly(missing.backupId(), partial.backupId());
		assertThat(plan.replicas()).extracting(replica -> replica.reason().kind())
			.containsExactly(Mismatch.Kind.NO_MANIFEST, Mismatch.Kind.MISSING);
		assertThat(plan.due()).isEqualTo(Map.of("second", 2, "third", 0));
		assertThat(plan.unreadable()).containsOnlyKeys("third");
		assertThat(plan.unreadable().get("third")).contains("cannot reach target 'third'");
		assertThat(plan.backups()).isEqualTo(3);
		assertThat(held.backupId()).isNotIn(plan.replicas().stream().map(r -> r.backup().backupId()).toList());
	}

	@Test
	void onlyAFullCheckReadsBackACopyWhoseBytesRottedUnderAnUnchangedChecksum() {
		backup(this.primary, "2026-11-25T02:00:00Z");
		BackupManifest copy = backup(this.second, "2026-11-25T02:00:00Z");
		this.second.corrupt(copy.objects().get(0).key(), 1234);

		assertThat(ReplicationPlan.of(this.primary, List.of(this.second), false).replicas()).isEmpty();
		assertThat(ReplicationPlan.of(this.primary, List.of(this.second), true).replicas()).singleElement()
			.satisfies(replica -> assertThat(replica.reason().kind()).isEqualTo(Mismatch.Kind.CONTENT));
	}

	@Test
	void aCopiedBackupIsVouchedForByItsManifestAndNotPlannedAgain() throws Exception {
		BackupManifest backup = backup(this.primary, "2026-11-25T02:00:00Z");
		StoreTargets targets = StoreTargets.of(this.primary, this.second);
		ReplicationPlan plan = ReplicationPlan.of(this.primary, List.of(this.second), false);

		Replica copied = inStep(() -> new ReplicaCopyProcessor(targets, 2).process(plan.replicas().get(0)));
		inStep(() -> {
			new ReplicaManifestWriter(targets, properties(), Clock.fixed(NOW, ZoneOffset.UTC)).write(Chunk.of(copied));
			return null;
		});

		assertThat(this.second.head(BackupLayout.manifestKey(backup.tier(), "shop", backup.backupId()))).isPresent();
		assertThat(ReplicationPlan.of(this.primary, List.of(this.second), true).replicas()).isEmpty();
	}

	@Test
	void aPrimaryObjectThatNoLongerMatchesItsManifestIsReportedAsThePrimarysAndNothingIsLeftOnTheSecondary()
			throws Exception {
		BackupManifest backup = backup(this.primary, "2026-11-25T02:00:00Z");
		String key = backup.objects().get(0).key();
		this.primary.corrupt(key, 4321);
		StoreTargets targets = StoreTargets.of(this.primary, this.second);
		ReplicationPlan plan = ReplicationPlan.of(this.primary, List.of(this.second), false);
		StepExecution step = MetaDataInstanceFactory.createStepExecution();

		Replica copied = StepScopeTestUtils.doInStepScope(step,
				() -> new ReplicaCopyProcessor(targets, 2).process(plan.replicas().get(0)));

		assertThat(copied).as("nothing for the writer: no manifest vouches for it").isNull();
		ReplicationLedger ledger = new ReplicationLedger(step.getJobExecution());
		assertThat(ledger.targetFailure("second")).as("the secondary is not blamed").isNull();
		assertThat(ledger.firstBackupFailure("second")).contains("object " + key + " on target 'primary' is corrupt")
			.doesNotContain("the copy");
		assertThat(this.second.head(key)).as("no corrupt copy left on the secondary").isEmpty();
		assertThat(this.second.pendingUploads("")).isEmpty();
	}

	private static io.drbatch.jobs.config.DrbatchProperties properties() {
		return TestProperties.bind("drbatch.sources[0].name=shop", "drbatch.targets[0].name=primary",
				"drbatch.targets[0].bucket=one", "drbatch.targets[1].name=second", "drbatch.targets[1].bucket=two");
	}

	private static <T> T inStep(java.util.concurrent.Callable<T> work) throws Exception {
		return StepScopeTestUtils.doInStepScope(MetaDataInstanceFactory.createStepExecution(), work);
	}

	/** A store whose every call fails as an unreachable endpoint does. */
	private static ObjectStore unreachable(String name) {
		return (ObjectStore) Proxy.newProxyInstance(ObjectStore.class.getClassLoader(),
				new Class<?>[] { ObjectStore.class }, (proxy, method, args) -> switch (method.getName()) {
					case "name" -> name;
					case "location" -> "memory://" + name;
					case "toString" -> name;
					default -> throw new DrbatchException(FailureKind.STORE_UNAVAILABLE,
							"cannot reach target '" + name + "' to " + method.getName());
				});
	}

}
