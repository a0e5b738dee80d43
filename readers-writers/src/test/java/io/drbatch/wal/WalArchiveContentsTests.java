package io.drbatch.wal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.drbatch.store.ObjectStore;
import io.drbatch.testing.TestS3;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link WalArchive#contents()} against the S3 test server: the segments, history files
 * and runs of an archive from one listing of its folder, the same as the three readers
 * that each list it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalArchiveContentsTests {

	private static final long SEGMENT = 1024 * 1024;

	private final String bucket = TestS3.newBucket("walcontents");

	@AfterAll
	void cleanUp() {
		TestS3.deleteBucket(this.bucket);
	}

	@Test
	void oneListingReadsSegmentsHistoriesAndRuns() {
		ObjectStore store = TestS3.store(this.bucket, "it");
		WalArchive writer = new WalArchive(store, "shop", "7000000000000000001", SEGMENT, 1, null);
		for (long number = 3; number <= 5; number++) {
			writer.storeSegment(new WalSegment(1, number, SEGMENT), new byte[(int) SEGMENT]);
		}
		writer.storeSegment(new WalSegment(2, 6, SEGMENT), new byte[(int) SEGMENT]);
		writer.storeHistory(TimelineHistory.parse(2, "1\t0/5FFFFFF\tno recovery target specified\n"));
		writer.recordRun(new WalArchive.Run(Instant.parse("2026-12-01T10:00:00Z"), new Lsn(4 * SEGMENT)));
		writer.recordRun(new WalArchive.Run(Instant.parse("2026-12-01T10:05:00Z"), new Lsn(7 * SEGMENT)));

		AtomicInteger listings = new AtomicInteger();
		ObjectStore counted = (ObjectStore) Proxy.newProxyInstance(ObjectStore.class.getClassLoader(),
				new Class<?>[] { ObjectStore.class }, (proxy, method, arguments) -> {
					if (method.getName().equals("list")) {
						listings.incrementAndGet();
					}
					try {
						return method.invoke(store, arguments);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
		WalArchive archive = new WalArchive(counted, "shop", "7000000000000000001", SEGMENT, 1, null);

		WalArchive.Contents contents = archive.contents();

		assertThat(listings).as("listings of the archive's folder").hasValue(1);
		assertThat(contents.segments()).extracting(WalSegment::name)
			.containsExactly("000000010000000000000003", "000000010000000000000004", "000000010000000000000005",
					"000000020000000000000006");
		assertThat(contents.histories()).containsOnlyKeys(2);
		assertThat(contents.runs()).extracting(WalArchive.Run::switchedTo)
			.containsExactly(new Lsn(4 * SEGMENT), new Lsn(7 * SEGMENT));
		assertThat(contents.segments()).isEqualTo(archive.segments());
		assertThat(contents.histories()).isEqualTo(archive.histories());
		assertThat(contents.runs()).isEqualTo(archive.runs());
	}

}
