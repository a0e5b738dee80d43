package io.drbatch.codec;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CompressionTests {

	private static final byte[] TEXT = "COPY public.profiles (id, email) FROM stdin;\n1\tuser1@example.com\n"
		.repeat(20_000)
		.getBytes(StandardCharsets.UTF_8);

	@ParameterizedTest
	@EnumSource(Compression.class)
	void roundTripsAndShrinksRepetitiveText(Compression compression) throws IOException {
		ByteArrayOutputStream stored = new ByteArrayOutputStream();
		try (OutputStream out = compression.compress(stored, compression.defaultLevel(), 0)) {
			out.write(TEXT);
		}
		if (compression != Compression.NONE) {
			assertThat(stored.size()).isLessThan(TEXT.length / 20);
		}
		try (InputStream in = compression.decompress(new ByteArrayInputStream(stored.toByteArray()))) {
			assertThat(in.readAllBytes()).isEqualTo(TEXT);
		}
	}

	@Test
	void zstdWithWorkersWritesTheSameContent() throws IOException {
		ByteArrayOutputStream stored = new ByteArrayOutputStream();
		try (OutputStream out = Compression.ZSTD.compress(stored, 3, 2)) {
			out.write(TEXT);
		}
		try (InputStream in = Compression.ZSTD.decompress(new ByteArrayInputStream(stored.toByteArray()))) {
			assertThat(in.readAllBytes()).isEqualTo(TEXT);
		}
	}

	@Test
	void gzipOutputIsAStandardGzipStream() throws IOException {
		ByteArrayOutputStream stored = new ByteArrayOutputStream();
		try (OutputStream out = Compression.GZIP.compress(stored, 1, 0)) {
			out.write(TEXT);
		}
		try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(stored.toByteArray()))) {
			assertThat(in.readAllBytes()).isEqualTo(TEXT);
		}
	}

	@Test
	void levelsAreCheckedPerAlgorithm() {
		assertThat(Compression.ZSTD.acceptsLevel(19)).isTrue();
		assertThat(Compression.ZSTD.acceptsLevel(20)).isFalse();
		assertThat(Compression.GZIP.acceptsLevel(9)).isTrue();
		assertThat(Compression.GZIP.acceptsLevel(10)).isFalse();
		assertThat(Compression.fromId("zstd")).isEqualTo(Compression.ZSTD);
		assertThat(List.of(Compression.ZSTD.suffix(), Compression.GZIP.suffix(), Compression.NONE.suffix()))
			.containsExactly(".zst", ".gz", "");
	}

}
