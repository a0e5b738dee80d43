package io.drbatch.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import io.drbatch.codec.Sha256;
import io.drbatch.wal.WalArchive;
import io.drbatch.wal.WalChain;
import io.drbatch.wal.WalSegment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks of a WAL archive for the tests that shake it (storage faults, kills): the chain
 * has no hole from its first segment on, and every segment decodes to a full segment
 * whose first page header carries PostgreSQL 15's WAL magic, the segment's timeline and
 * its own start position, and matches the raw SHA-256 stored with it, so a truncated,
 * mixed-up or foreign upload fails here.
 */
public final class TestWal {

	/** XLOG_PAGE_MAGIC of PostgreSQL 15. */
	private static final int PAGE_MAGIC = 0xD110;

	private TestWal() {
	}

	/** Asserts the whole archive and returns its segments, oldest first. */
	public static List<WalSegment> assertChainHoldsItsOwnWal(WalArchive archive) {
		List<WalSegment> segments = archive.segments();
		assertThat(segments).as("archived segments").isNotEmpty();
		assertThat(WalChain.gaps(segments, archive.histories(), segments.get(0).number())).as("holes in the chain")
			.isEmpty();
		for (WalSegment segment : segments) {
			byte[] raw = archive.readSegment(segment);
			assertThat(raw.length).as(segment.name() + " bytes").isEqualTo(segment.segmentSize());
			ByteBuffer header = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
			assertThat(header.getShort(0) & 0xFFFF).as(segment.name() + " page magic").isEqualTo(PAGE_MAGIC);
			assertThat(header.getInt(4)).as(segment.name() + " timeline").isEqualTo(segment.timeline());
			assertThat(header.getLong(8)).as(segment.name() + " page address").isEqualTo(segment.start().value());
			assertThat(archive.store().head(archive.segmentKey(segment)).orElseThrow().metadata())
				.as(segment.name() + " raw checksum recorded with it")
				.containsEntry(WalArchive.RAW_SHA256, Sha256.hex(Sha256.of(raw, 0, raw.length)));
		}
		return segments;
	}

}
