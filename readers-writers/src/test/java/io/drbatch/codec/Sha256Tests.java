package io.drbatch.codec;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Sha256Tests {

	@Test
	void hexOfAKnownValue() {
		byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
		assertThat(Sha256.hex(Sha256.of(abc, 0, 3)))
			.isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	}

	@Test
	void compositeIsTheDigestOfConcatenatedPartDigestsWithThePartCount() {
		byte[] a = Sha256.of(new byte[] { 1 }, 0, 1);
		byte[] b = Sha256.of(new byte[] { 2 }, 0, 1);
		byte[] joined = new byte[64];
		System.arraycopy(a, 0, joined, 0, 32);
		System.arraycopy(b, 0, joined, 32, 32);
		assertThat(Sha256.composite(List.of(a, b))).isEqualTo(Sha256.base64(Sha256.of(joined, 0, 64)) + "-2");
	}

}
