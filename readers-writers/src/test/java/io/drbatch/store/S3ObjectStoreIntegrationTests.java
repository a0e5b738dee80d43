package io.drbatch.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;

import org.junit.jupiter.api.Test;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;
import io.drbatch.testing.RejectingS3Stub;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The contract and the error translation of {@link S3ObjectStore}, against the local
 * S3-compatible server.
 */
class S3ObjectStoreIntegrationTests extends ObjectStoreContractTests {

	private String bucket;

	@Override
	protected ObjectStore newEmptyStore() {
		this.bucket = TestS3.newBucket("contract");
		return TestS3.store(this.bucket, "backups");
	}

	@Override
	protected void discard(ObjectStore store) {
		store.close();
		TestS3.deleteBucket(this.bucket);
	}

	@Test
	void aReadThatBreaksMidBodyIsResumedFromWhereItBroke() throws IOException {
		byte[] content = new byte[3 * 1024 * 1024 + 17];
		new java.util.Random(5).nextBytes(content);
		String bucket = TestS3.newBucket("resume");
		try (S3ObjectStore direct = TestS3.store(bucket, "r");
				io.drbatch.testing.FaultProxy proxy = new io.drbatch.testing.FaultProxy(TestS3.ENDPOINT)) {
			direct.put("obj", content, "application/octet-stream");
			try (S3ObjectStore flaky = new S3ObjectStore(TestS3.target("flaky", proxy.endpoint(), bucket, "r"))) {
				// the first three GETs are cut off halfway
				proxy.chaos(1.0, 1,
						request -> request.method().equals("GET")
								&& proxy.injected().get(io.drbatch.testing.FaultProxy.Fault.RESET) < 3,
						io.drbatch.testing.FaultProxy.Fault.RESET);
				byte[] read;
				try (InputStream in = flaky.get("obj")) {
					read = in.readAllBytes();
				}
				assertThat(read).isEqualTo(content);
				assertThat(proxy.injected().get(io.drbatch.testing.FaultProxy.Fault.RESET)).isEqualTo(3);
			}
		}
		finally {
			TestS3.deleteBucket(bucket);
		}
	}

	@Test
	void missingBucketIsReportedAsSuch() {
		try (S3ObjectStore missing = TestS3.store("no-such-bucket-" + System.nanoTime(), "")) {
			assertThatThrownBy(missing::checkAccess).isInstanceOf(DrbatchException.class)
				.hasMessageContaining("does not exist")
				.satisfies(ex -> kindIs(ex, FailureKind.STORE_BUCKET_MISSING));
		}
	}

	@Test
	void rejectedCredentialsAreReportedAsAccessDenied() throws IOException {
		for (String code : new String[] { "InvalidAccessKeyId", "SignatureDoesNotMatch" }) {
			try (RejectingS3Stub stub = new RejectingS3Stub(403, code);
					S3ObjectStore rejecting = new S3ObjectStore(withEndpoint(stub.endpoint()))) {
				assertThatThrownBy(rejecting::checkAccess).isInstanceOf(DrbatchException.class)
					.hasMessageContaining("rejected the credentials")
					.hasMessageContaining(code)
					.satisfies(ex -> kindIs(ex, FailureKind.STORE_ACCESS_DENIED));
			}
		}
	}

	@Test
	void unreachableEndpointIsTransientUnavailability() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		try (S3ObjectStore unreachable = new S3ObjectStore(
				withEndpoint(URI.create("http://127.0.0.1:" + closedPort)))) {
			assertThatThrownBy(unreachable::checkAccess).isInstanceOf(DrbatchException.class)
				.hasMessageContaining("cannot reach")
				.satisfies(ex -> kindIs(ex, FailureKind.STORE_UNAVAILABLE));
		}
	}

	@Test
	void configuredStorageClassIsAppliedToPutsAndMultipartUploads() throws IOException {
		S3TargetConfig base = TestS3.target("cold", this.bucket, "classes");
		try (S3ObjectStore infrequent = new S3ObjectStore(
				new S3TargetConfig(base.name(), base.endpoint(), base.region(), base.bucket(), base.prefix(), true,
						base.credentials(), StorageClass.STANDARD_IA, null, null, 4))) {
			infrequent.put("small", new byte[] { 1 }, "application/octet-stream");
			MultipartUploadStream out = new MultipartUploadStream(
					infrequent.startMultipart("big", "application/octet-stream"), MIN_PART, 1);
			out.write(new byte[10]);
			out.close();
			org.assertj.core.api.Assertions.assertThat(infrequent.head("small").orElseThrow().storageClass())
				.isEqualTo("STANDARD_IA");
			org.assertj.core.api.Assertions.assertThat(infrequent.head("big").orElseThrow().storageClass())
				.isEqualTo("STANDARD_IA");
		}
	}

	private S3TargetConfig withEndpoint(URI endpoint) {
		S3TargetConfig base = TestS3.target("stubbed", "drbatch", "");
		return new S3TargetConfig(base.name(), endpoint, base.region(), base.bucket(), base.prefix(), true,
				base.credentials(), null, null, null, 4);
	}

	private static void kindIs(Throwable ex, FailureKind kind) {
		org.assertj.core.api.Assertions.assertThat(((DrbatchException) ex).kind()).isEqualTo(kind);
	}

}
