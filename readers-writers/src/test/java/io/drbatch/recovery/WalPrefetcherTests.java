package io.drbatch.recovery;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import io.drbatch.store.S3ObjectStore;
import io.drbatch.testing.FaultProxy;
import io.drbatch.testing.TestS3;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The WAL prefetcher against the S3 test server: segments arrive in the spool decoded and
 * byte for byte as archived; a segment the store refuses (any failure, not only a bad
 * checksum) fails the prefetch, naming it, and is never mistaken for the end of the
 * archive ({@code .done} is not written, {@code .failed} is).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalPrefetcherTests {

	private static final long SEGMENT_SIZE = 1L << 20;

	private final String bucket = TestS3.newBucket("prefetch");

	private final FaultProxy proxy = new FaultProxy(TestS3.ENDPOINT);

	@TempDir
	Path spool;

	@AfterAll
	void cleanUp() {
		this.proxy.close();
		TestS3.deleteBucket(this.bucket);
	}

	/** A segment whose first page header names it, the rest filled with its number. */
	private static byte[] segmentBytes(WalSegment segment) {
		byte[] bytes = new byte[(int) SEGMENT_SIZE];
		java.util.Arrays.fill(bytes, (byte) segment.number());
		ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
		header.putInt(4, segment.timeline());
		header.putLong(8, segment.start().value());
		return bytes;
	}

	private List<WalSegment> archived(WalArchive archive) {
		List<WalSegment> segments = List.of(WalSegment.parse("000000010000000000000003", SEGMENT_SIZE),
				WalSegment.parse("000000010000000000000004", SEGMENT_SIZE),
				WalSegment.parse("000000010000000000000005", SEGMENT_SIZE));
		for (WalSegment segment : segments) {
			archive.storeSegment(segment, segmentBytes(segment));
		}
		return segments;
	}

	private WalArchive archive(java.net.URI endpoint, String database) {
		return new WalArchive(new S3ObjectStore(TestS3.target("test", endpoint, this.bucket, "p")), database,
				"7000000000000000001", SEGMENT_SIZE, 1, null);
	}

	private static void awaitEnd(WalPrefetcher prefetcher, Path spool) throws InterruptedException {
		Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
		while (prefetcher.failure().isEmpty() && !Files.exists(spool.resolve(RecoveryFiles.DONE))) {
			assertThat(Instant.now()).as("the prefetch ends within 60 s").isBefore(deadline);
			Thread.sleep(50);
		}
	}

	@Test
	void everySegmentArrivesDecodedAndWhole() throws Exception {
		List<WalSegment> segments = archived(archive(TestS3.ENDPOINT, "whole"));
		Path folder = this.spool.resolve("whole");
		try (WalPrefetcher prefetcher = new WalPrefetcher(archive(TestS3.ENDPOINT, "whole"), Map.of(), folder, 2, 4)) {
			prefetcher.start(segments, List.of());
			awaitEnd(prefetcher, folder);

			assertThat(prefetcher.failure()).isEmpty();
			for (WalSegment segment : segments) {
				assertThat(Files.readAllBytes(folder.resolve(segment.name()))).isEqualTo(segmentBytes(segment));
			}
			assertThat(prefetcher.segmentsFetched()).isEqualTo(3);
		}
	}

	@Test
	void aSegmentTheStoreRefusesFailsThePrefetchAndIsNeverTakenForTheEnd() throws Exception {
		List<WalSegment> segments = archived(archive(TestS3.ENDPOINT, "refused"));
		this.proxy.refuse(request -> request.method().equals("GET") && request.path().contains(segments.get(1).name()),
				403, "AccessDenied");
		Path folder = this.spool.resolve("refused");
		try (WalPrefetcher prefetcher = new WalPrefetcher(archive(this.proxy.endpoint(), "refused"), Map.of(), folder,
				2, 4)) {
			prefetcher.start(segments, List.of());
			awaitEnd(prefetcher, folder);

			assertThat(prefetcher.failure()).get()
				.extracting(Throwable::getMessage)
				.asString()
				.contains(segments.get(1).toString());
			assertThat(folder.resolve(RecoveryFiles.FAILED)).exists();
			assertThat(folder.resolve(RecoveryFiles.DONE)).doesNotExist();
			assertThat(folder.resolve(segments.get(1).name())).doesNotExist();
			assertThat(this.proxy.refused()).isNotEmpty();
		}
		finally {
			this.proxy.clear();
		}
	}

}
