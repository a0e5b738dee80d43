package io.drbatch.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.drbatch.failure.DrbatchException;
import io.drbatch.failure.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamEncryptionTests {

	private static final StreamEncryption KEY = StreamEncryption.ofBase64(key(1), "test key");

	private static String key(int seed) {
		byte[] bytes = new byte[32];
		new Random(seed).nextBytes(bytes);
		return Base64.getEncoder().encodeToString(bytes);
	}

	private static byte[] encrypt(byte[] plain) throws IOException {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		try (OutputStream encrypting = KEY.encrypt(out)) {
			for (int offset = 0; offset < plain.length; offset += 100_000) {
				encrypting.write(plain, offset, Math.min(100_000, plain.length - offset));
			}
		}
		return out.toByteArray();
	}

	private static byte[] decrypt(byte[] stored, Map<String, StreamEncryption> keys) throws IOException {
		try (InputStream in = StreamEncryption.decrypt(new ByteArrayInputStream(stored), keys, "dump.pgdump.zst")) {
			return in.readAllBytes();
		}
	}

	@ParameterizedTest
	@ValueSource(ints = { 0, 1, 1024 * 1024 - 1, 1024 * 1024, 1024 * 1024 + 1, 3 * 1024 * 1024 + 12345 })
	void roundTripsAnySizeAndTheStoredBytesAreNotThePlaintext(int size) throws IOException {
		byte[] plain = new byte[size];
		Arrays.fill(plain, (byte) 'x');
		byte[] stored = encrypt(plain);

		assertThat(decrypt(stored, Map.of(KEY.keyId(), KEY))).isEqualTo(plain);
		if (size >= 64) {
			assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain("x".repeat(64));
		}
		assertThat(new String(stored, 0, Math.min(64, stored.length), java.nio.charset.StandardCharsets.ISO_8859_1))
			.contains(KEY.keyId());
	}

	@Test
	void aFlippedByteIsAnIntegrityFailure() throws IOException {
		byte[] stored = encrypt(new byte[2 * 1024 * 1024]);
		stored[stored.length / 2] ^= 1;
		assertThatThrownBy(() -> decrypt(stored, Map.of(KEY.keyId(), KEY)))
			.isInstanceOfSatisfying(DrbatchException.class,
					ex -> assertThat(ex.kind()).isEqualTo(FailureKind.INTEGRITY))
			.hasMessageContaining("dump.pgdump.zst")
			.hasMessageContaining("fails authentication");
	}

	@Test
	void truncationAtASegmentBoundaryOrInsideOneIsDetected() throws IOException {
		byte[] stored = encrypt(new byte[3 * 1024 * 1024]);
		int header = stored.length - 3 * (1024 * 1024 + 16) - 16;
		byte[] atBoundary = Arrays.copyOf(stored, header + 2 * (1024 * 1024 + 16));
		byte[] inside = Arrays.copyOf(stored, stored.length - 100);
		for (byte[] truncated : new byte[][] { atBoundary, inside }) {
			assertThatThrownBy(() -> decrypt(truncated, Map.of(KEY.keyId(), KEY))).isInstanceOfSatisfying(
					DrbatchException.class, ex -> assertThat(ex.kind()).isEqualTo(FailureKind.INTEGRITY));
		}
	}

	@Test
	void aMissingOrWrongKeyIsAClearConfigurationErrorNamingTheKeyId() throws IOException {
		byte[] stored = encrypt(new byte[1000]);
		StreamEncryption other = StreamEncryption.ofBase64(key(2), "other key");

		assertThatThrownBy(() -> decrypt(stored, Map.of()))
			.isInstanceOfSatisfying(DrbatchException.class,
					ex -> assertThat(ex.kind()).isEqualTo(FailureKind.BAD_CONFIGURATION))
			.hasMessageContaining(KEY.keyId())
			.hasMessageContaining("no encryption key is configured");
		assertThatThrownBy(() -> decrypt(stored, Map.of(other.keyId(), other)))
			.isInstanceOfSatisfying(DrbatchException.class,
					ex -> assertThat(ex.kind()).isEqualTo(FailureKind.BAD_CONFIGURATION))
			.hasMessageContaining(KEY.keyId())
			.hasMessageContaining(other.keyId());
	}

	@Test
	void aKeyThatIsNotThirtyTwoBytesOfBase64IsRefused() {
		assertThatThrownBy(() -> StreamEncryption.ofBase64("not base64!", "DRBATCH_KEY"))
			.hasMessageContaining("DRBATCH_KEY")
			.hasMessageContaining("not base64");
		assertThatThrownBy(
				() -> StreamEncryption.ofBase64(Base64.getEncoder().encodeToString(new byte[16]), "DRBATCH_KEY"))
			.hasMessageContaining("32 bytes");
	}

	@Test
	void theKeyIdIsAFingerprintThatDoesNotContainTheKey() {
		assertThat(KEY.keyId()).matches("sha256:[0-9a-f]{16}");
		assertThat(KEY.toString()).doesNotContain(key(1));
	}

}
