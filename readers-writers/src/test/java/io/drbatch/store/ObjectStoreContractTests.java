package io.drbatch.store;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link ObjectStore} contract, run against every implementation by a subclass that
 * supplies a fresh, empty store per test.
 */
public abstract class ObjectStoreContractTests {

	protected static final int MIN_PART = 5 * 1024 * 1024;

	protected ObjectStore store;

	protected abstract ObjectStore newEmptyStore();

	protected abstract void discard(ObjectStore store);

	@BeforeEach
	void openStore() {
		this.store = newEmptyStore();
	}

	@AfterEach
	void closeStore() {
		discard(this.store);
	}

	@Test
	void putThenHeadAndGetReturnTheSameBytesAndTheirSha256() throws IOException {
		byte[] content = "{\"hello\":\"backup\"}".getBytes(StandardCharsets.UTF_8);
		this.store.put("a/manifest.json", content, "application/json");

		ObjectInfo info = this.store.head("a/manifest.json").orElseThrow();
		assertThat(info.size()).isEqualTo(content.length);
		// stores differ in whether they report the checksum of a single-part object; when
		// they do, it must match
		if (info.checksumSha256() != null) {
			assertThat(info.checksumSha256()).isEqualTo(Sha256.base64(Sha256.of(content, 0, content.length)));
		}
		try (InputStream in = this.store.get("a/manifest.json")) {
			assertThat(in.readAllBytes()).isEqualTo(content);
		}
	}

	@Test
	void userMetadataPutWithAnObjectIsReportedByHead() {
		this.store.put("w/000000010000000000000003.zst", new byte[] { 1, 2, 3 }, "application/octet-stream",
				java.util.Map.of("drbatch-raw-sha256", "abc123"));
		this.store.put("w/plain", new byte[] { 4 }, "application/octet-stream");

		assertThat(this.store.head("w/000000010000000000000003.zst").orElseThrow().metadata())
			.containsEntry("drbatch-raw-sha256", "abc123");
		assertThat(this.store.head("w/plain").orElseThrow().metadata()).doesNotContainKey("drbatch-raw-sha256");
	}

	@Test
	void missingObjectIsEmptyOnHeadAndAnIntegrityFailureOnGet() {
		assertThat(this.store.head("nope/manifest.json")).isEmpty();
		assertThatThrownBy(() -> this.store.get("nope/manifest.json")).isInstanceOf(DrbatchException.class)
			.satisfies(ex -> assertThat(((DrbatchException) ex).kind()).isEqualTo(FailureKind.INTEGRITY))
			.hasMessageContaining("nope/manifest.json");
	}

	@Test
	void listReturnsRelativeKeysUnderThePrefixAcrossPages() {
		for (int i = 0; i < 1005; i++) {
			this.store.put(String.format("many/%04d", i), new byte[] { (byte) i }, "application/octet-stream");
		}
		this.store.put("other/x", new byte[] { 1 }, "application/octet-stream");

		List<ObjectInfo> listed = this.store.list("many/");
		assertThat(listed).hasSize(1005);
		assertThat(listed.get(0).key()).isEqualTo("many/0000");
		assertThat(listed.get(1004).key()).isEqualTo("many/1004");
	}

	@Test
	void deleteRemovesTheObject() {
		this.store.put("d/x", new byte[] { 1, 2 }, "application/octet-stream");
		this.store.delete("d/x");
		assertThat(this.store.head("d/x")).isEmpty();
	}

	@Test
	void streamedMultipartUploadStoresExactlyTheBytesWithTheCompositeChecksum() throws IOException {
		byte[] content = new byte[2 * MIN_PART + 12345];
		new Random(7).nextBytes(content);
		MultipartUploadStream out = new MultipartUploadStream(
				this.store.startMultipart("m/big", "application/octet-stream"), MIN_PART, 2);
		for (int offset = 0; offset < content.length; offset += 100_000) {
			out.write(content, offset, Math.min(100_000, content.length - offset));
		}
		out.close();

		MultipartUploadStream.Result result = out.result();
		assertThat(result.partCount()).isEqualTo(3);
		assertThat(result.size()).isEqualTo(content.length);
		assertThat(result.sha256()).isEqualTo(Sha256.hex(Sha256.of(content, 0, content.length)));
		ObjectInfo info = this.store.head("m/big").orElseThrow();
		assertThat(info.checksumSha256()).isEqualTo(result.compositeChecksum()).endsWith("-3");
		try (InputStream in = this.store.get("m/big")) {
			ByteArrayOutputStream read = new ByteArrayOutputStream();
			in.transferTo(read);
			assertThat(read.toByteArray()).isEqualTo(content);
		}
		assertThat(this.store.pendingUploads("m/")).isEmpty();
	}

	@Test
	void anOpenUploadIsListedAndAbortRemovesIt() {
		UploadSession upload = this.store.startMultipart("p/dump", "application/octet-stream");
		byte[] part = new byte[MIN_PART];
		upload.uploadPart(1, part, part.length, Sha256.of(part, 0, part.length));

		assertThat(this.store.pendingUploads("p/")).extracting(ObjectStore.PendingUpload::key)
			.containsExactly("p/dump");
		this.store.abort(this.store.pendingUploads("p/").get(0));
		assertThat(this.store.pendingUploads("p/")).isEmpty();
		assertThat(this.store.head("p/dump")).isEmpty();
	}

	@Test
	void abortedStreamLeavesNoUploadAndNoObject() throws IOException {
		MultipartUploadStream out = new MultipartUploadStream(
				this.store.startMultipart("q/dump", "application/octet-stream"), MIN_PART, 2);
		out.write(new byte[MIN_PART + 10]);
		out.abort();
		assertThat(this.store.pendingUploads("q/")).isEmpty();
		assertThat(this.store.head("q/dump")).isEmpty();
	}

	@Test
	void aStreamFailsAtTheFirstByteThatWouldNeedOnePartMoreThanTheLimit() throws IOException {
		MultipartUploadStream full = new MultipartUploadStream(
				this.store.startMultipart("t/full", "application/octet-stream"), MIN_PART, 2, 2);
		full.write(new byte[2 * MIN_PART]);
		full.close();
		assertThat(full.result().partCount()).isEqualTo(2);
		assertThat(this.store.head("t/full")).get().extracting(ObjectInfo::size).isEqualTo(2L * MIN_PART);

		MultipartUploadStream over = new MultipartUploadStream(
				this.store.startMultipart("t/over", "application/octet-stream"), MIN_PART, 2, 2);
		over.write(new byte[2 * MIN_PART]);
		org.assertj.core.api.Assertions.assertThatThrownBy(() -> over.write(new byte[] { 1 }))
			.isInstanceOf(MultipartUploadStream.PartLimitExceeded.class)
			.hasMessageContaining("outgrew 2 parts of 5 MiB")
			.satisfies(ex -> assertThat(((MultipartUploadStream.PartLimitExceeded) ex).bytesWritten())
				.isEqualTo(2L * MIN_PART));
		over.abort();
		assertThat(this.store.pendingUploads("t/")).isEmpty();
		assertThat(this.store.head("t/over")).isEmpty();
	}

	@Test
	void rangedGetReturnsTheBytesFromTheOffsetToTheEnd() throws IOException {
		byte[] content = new byte[300_000];
		new Random(11).nextBytes(content);
		this.store.put("r/obj", content, "application/octet-stream");
		try (InputStream in = this.store.get("r/obj", 123_456)) {
			assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 123_456, content.length));
		}
	}

	@Test
	void aPendingUploadListsItsPartsAndCanBeReopenedAndCompleted() throws IOException {
		byte[] content = new byte[2 * MIN_PART + 777];
		new Random(13).nextBytes(content);
		UploadSession first = this.store.startMultipart("u/dump", "application/octet-stream");
		first.uploadPart(1, content, MIN_PART, Sha256.of(content, 0, MIN_PART));
		byte[] second = java.util.Arrays.copyOfRange(content, MIN_PART, 2 * MIN_PART);
		first.uploadPart(2, second, MIN_PART, Sha256.of(second, 0, MIN_PART));

		ObjectStore.PendingUpload pending = this.store.pendingUploads("u/").get(0);
		List<UploadedPart> parts = this.store.uploadedParts(pending);
		assertThat(parts).extracting(UploadedPart::partNumber).containsExactly(1, 2);
		assertThat(parts).extracting(UploadedPart::size).containsOnly((long) MIN_PART);
		assertThat(parts.get(1).checksumSha256()).isIn(null, Sha256.base64(Sha256.of(second, 0, MIN_PART)));
		// stores that list no part checksums (the test server): the caller supplies them
		List<UploadedPart> withChecksums = List.of(
				new UploadedPart(1, parts.get(0).eTag(), Sha256.base64(Sha256.of(content, 0, MIN_PART)), MIN_PART),
				new UploadedPart(2, parts.get(1).eTag(), Sha256.base64(Sha256.of(second, 0, MIN_PART)), MIN_PART));

		MultipartUploadStream rest = MultipartUploadStream.resuming(this.store.reopen(pending), MIN_PART, 2,
				withChecksums);
		rest.write(content, 2 * MIN_PART, 777);
		rest.close();
		assertThat(rest.result().resumedParts()).isEqualTo(2);
		assertThat(rest.result().bytesSent()).isEqualTo(777);
		try (InputStream in = this.store.get("u/dump")) {
			assertThat(in.readAllBytes()).isEqualTo(content);
		}
		assertThat(this.store.head("u/dump").orElseThrow().checksumSha256())
			.isEqualTo(rest.result().compositeChecksum());
		assertThat(this.store.pendingUploads("u/")).isEmpty();
	}

	@Test
	void checkAccessPassesOnAnExistingBucket() {
		this.store.checkAccess();
		assertThat(this.store.list("")).isEmpty();
	}

}
