package io.drbatch.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.drbatch.codec.Sha256;
import io.drbatch.failure.FailureKind;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link CrossStoreCopy} between two separate S3-compatible servers (ports 9090 and
 * 9091).
 */
class CrossStoreCopyIntegrationTests {

	private static final int PART = 5 * 1024 * 1024;

	private static final URI SECOND = TestS3.SECONDARY_ENDPOINTS.get(0);

	private String sourceBucket;

	private String destinationBucket;

	private S3ObjectStore source;

	private S3ObjectStore destination;

	private byte[] content;

	private CrossStoreCopy.Expected expected;

	@BeforeEach
	void uploadTheOriginal() throws IOException {
		this.sourceBucket = TestS3.newBucket("copy-src");
		this.destinationBucket = TestS3.newBucket(SECOND, "copy-dst");
		this.source = new S3ObjectStore(TestS3.target("primary", this.sourceBucket, "p"));
		this.destination = new S3ObjectStore(TestS3.target("second", SECOND, this.destinationBucket, "p"));
		this.content = new byte[4 * PART + 1234];
		new Random(21).nextBytes(this.content);
		MultipartUploadStream out = new MultipartUploadStream(
				this.source.startMultipart("daily/db/b1/dump", "application/octet-stream"), PART, 2);
		out.write(this.content);
		out.close();
		this.expected = new CrossStoreCopy.Expected(this.content.length, out.result().sha256(),
				out.result().compositeChecksum(), PART);
	}

	@AfterEach
	void cleanUp() {
		this.source.close();
		this.destination.close();
		TestS3.deleteBucket(this.sourceBucket);
		TestS3.deleteBucket(SECOND, this.destinationBucket);
	}

	@Test
	void copiesTheBytesWithTheOriginalsCompositeChecksumAndASecondCopySendsNothing() throws IOException {
		CrossStoreCopy.Result first = copy();

		assertThat(first.alreadyThere()).isFalse();
		assertThat(first.bytesSent()).isEqualTo(this.content.length);
		assertThat(this.destination.head("daily/db/b1/dump").orElseThrow().checksumSha256())
			.isEqualTo(this.expected.s3Checksum());
		try (InputStream in = this.destination.get("daily/db/b1/dump")) {
			assertThat(in.readAllBytes()).isEqualTo(this.content);
		}

		CrossStoreCopy.Result second = copy();
		assertThat(second.alreadyThere()).isTrue();
		assertThat(second.bytesSent()).isZero();
	}

	@Test
	void anInterruptedCopyResumesFromTheUploadedPartsAndSendsOnlyTheRest() throws IOException {
		UploadSession interrupted = this.destination.startMultipart("daily/db/b1/dump", "application/octet-stream");
		for (int part = 1; part <= 3; part++) {
			byte[] bytes = Arrays.copyOfRange(this.content, (part - 1) * PART, part * PART);
			interrupted.uploadPart(part, bytes, PART, Sha256.of(bytes, 0, PART));
		}

		CrossStoreCopy.Result result = copy();

		assertThat(result.resumedParts()).isEqualTo(3);
		assertThat(result.bytesSent()).isEqualTo(this.content.length - 3L * PART).isLessThan(this.content.length);
		try (InputStream in = this.destination.get("daily/db/b1/dump")) {
			assertThat(in.readAllBytes()).isEqualTo(this.content);
		}
		assertThat(TestS3.openUploads(SECOND, this.destinationBucket)).isZero();
	}

	@Test
	void uploadedPartsThatAreNotTheOriginalsBytesAreNotKept() throws IOException {
		UploadSession wrong = this.destination.startMultipart("daily/db/b1/dump", "application/octet-stream");
		byte[] other = new byte[PART];
		new Random(99).nextBytes(other);
		wrong.uploadPart(1, other, PART, Sha256.of(other, 0, PART));

		CrossStoreCopy.Result result = copy();

		assertThat(result.resumedParts()).isZero();
		assertThat(result.bytesSent()).isEqualTo(this.content.length);
		try (InputStream in = this.destination.get("daily/db/b1/dump")) {
			assertThat(in.readAllBytes()).isEqualTo(this.content);
		}
		assertThat(TestS3.openUploads(SECOND, this.destinationBucket)).isZero();
	}

	@Test
	void aCopyThatDiffersOnTheDestinationIsReplaced() throws IOException {
		byte[] flipped = this.content.clone();
		flipped[1000] ^= 1;
		this.destination.put("daily/db/b1/dump", flipped, "application/octet-stream");

		CrossStoreCopy.Result result = copy();

		assertThat(result.alreadyThere()).isFalse();
		try (InputStream in = this.destination.get("daily/db/b1/dump")) {
			assertThat(in.readAllBytes()).isEqualTo(this.content);
		}
	}

	@Test
	void aDestinationThatIsDownFailsOnTheDestinationSide() throws IOException {
		int port;
		try (ServerSocket socket = new ServerSocket(0)) {
			port = socket.getLocalPort();
		}
		try (S3ObjectStore down = new S3ObjectStore(
				TestS3.target("third", URI.create("http://127.0.0.1:" + port), "gone", "p"))) {
			assertThatThrownBy(() -> new CrossStoreCopy(2).copy(this.source, "daily/db/b1/dump", down,
					"daily/db/b1/dump", this.expected, null))
				.isInstanceOfSatisfying(CrossStoreCopy.Failure.class, failure -> {
					assertThat(failure.side()).isEqualTo(CrossStoreCopy.Side.DESTINATION);
					assertThat(failure.kind()).isEqualTo(FailureKind.STORE_UNAVAILABLE);
					assertThat(failure.getMessage()).contains("third");
				});
		}
	}

	@Test
	void aMissingSourceObjectFailsOnTheSourceSide() {
		assertThatThrownBy(() -> new CrossStoreCopy(2).copy(this.source, "daily/db/b1/nothing", this.destination,
				"daily/db/b1/nothing", this.expected, null))
			.isInstanceOfSatisfying(CrossStoreCopy.Failure.class, failure -> {
				assertThat(failure.side()).isEqualTo(CrossStoreCopy.Side.SOURCE);
				assertThat(failure.getMessage()).contains("daily/db/b1/nothing", "primary");
			});
	}

	private CrossStoreCopy.Result copy() {
		return new CrossStoreCopy(2).copy(this.source, "daily/db/b1/dump", this.destination, "daily/db/b1/dump",
				this.expected, null);
	}

}
