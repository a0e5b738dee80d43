package io.drbatch.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.store.LockMode;
import io.drbatch.store.ObjectStore;
import io.drbatch.store.ObjectStoreContractTests;
import io.drbatch.store.StorageClass;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The in-memory store passes the contract every {@link ObjectStore} passes, and plays
 * what the S3 test server does not: Object Lock enforcement and cold objects that must be
 * restored before they are read.
 */
class InMemoryObjectStoreTests extends ObjectStoreContractTests {

	private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

	@Override
	protected ObjectStore newEmptyStore() {
		return new InMemoryObjectStore("memory", Clock.fixed(NOW, ZoneOffset.UTC), null);
	}

	@Override
	protected void discard(ObjectStore store) {
	}

	@Test
	void aVersionUnderObjectLockCannotBeDeletedUntilItsDate() {
		InMemoryObjectStore memory = (InMemoryObjectStore) this.store;
		memory.enableVersioning();
		memory.put("l/x", new byte[] { 1 }, "application/octet-stream");
		memory.retain("l/x", LockMode.COMPLIANCE, NOW.plus(Duration.ofDays(1)));
		String versionId = memory.versions("l/x").get(0).versionId();

		assertThatThrownBy(() -> memory.deleteVersion("l/x", versionId)).isInstanceOf(DrbatchException.class)
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.STORE_ACCESS_DENIED));
		memory.delete("l/x");
		assertThat(memory.head("l/x")).as("a delete marker hides it").isEmpty();
		assertThat(memory.versions("l/x")).hasSize(2);
		assertThat(memory.retention("l/x", versionId)).get().extracting(r -> r.mode()).isEqualTo(LockMode.COMPLIANCE);
	}

	@Test
	void aColdObjectIsReadableOnlyAfterItsRestore() throws Exception {
		InMemoryObjectStore memory = new InMemoryObjectStore("cold", Clock.fixed(NOW, ZoneOffset.UTC),
				StorageClass.GLACIER);
		memory.put("c/x", new byte[] { 7 }, "application/octet-stream");

		assertThat(memory.head("c/x")).get().extracting(info -> info.storageClass()).isEqualTo("GLACIER");
		assertThatThrownBy(() -> memory.get("c/x")).hasMessageContaining("InvalidObjectState");
		assertThat(memory.restoreStatus("c/x")).isEmpty();
		memory.requestRestore("c/x", 2);
		assertThat(memory.restoreStatus("c/x")).get().asString().contains("ongoing-request=\"true\"");
		memory.completeRestores();
		assertThat(memory.restoreStatus("c/x")).get().asString().contains("ongoing-request=\"false\"");
		try (var in = memory.get("c/x")) {
			assertThat(in.readAllBytes()).containsExactly(7);
		}
	}

	@Test
	void aServerSideCopyInTheOriginalsPartSizeKeepsItsCompositeChecksum() {
		InMemoryObjectStore memory = (InMemoryObjectStore) this.store;
		byte[] content = new byte[2 * MIN_PART + 3];
		io.drbatch.store.MultipartUploadStream out = new io.drbatch.store.MultipartUploadStream(
				memory.startMultipart("s/original", "application/octet-stream"), MIN_PART, 1);
		try (out) {
			out.write(content);
		}
		catch (java.io.IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
		var copy = memory.copy("s/original", "s/copy", content.length, MIN_PART, StorageClass.GLACIER);
		assertThat(copy.checksumSha256()).isEqualTo(memory.head("s/original").orElseThrow().checksumSha256())
			.endsWith("-3");
		assertThat(copy.storageClass()).isEqualTo("GLACIER");
	}

}
