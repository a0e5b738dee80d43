package io.drbatch.wal;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import io.drbatch.pg.PgConnectionSpec;
import io.drbatch.testing.TestCluster;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@link WalSource} reads of a real slot: {@code safe_wal_size} is unknown (null)
 * while {@code max_slot_wal_keep_size} is unlimited, PostgreSQL's default, and a figure
 * once it is set; a slot read as "0 bytes safe" would make every run warn that the chain
 * is about to break.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WalSourceIntegrationTests {

	private final TestCluster cluster = TestCluster.create("walsource");

	@AfterAll
	void cleanUp() {
		this.cluster.close();
	}

	private WalSource source() {
		return new WalSource(new PgConnectionSpec("walsource", this.cluster.host(), this.cluster.port(), "postgres",
				"postgres", null, null));
	}

	@Test
	void safeWalSizeIsUnknownWithoutAKeepLimitAndAFigureWithOne() {
		try (WalSource source = source()) {
			source.createSlot("drbatch_walsource");
			WalSource.Slot unlimited = source.slot("drbatch_walsource").orElseThrow();
			assertThat(unlimited.walStatus()).isEqualTo("reserved");
			assertThat(unlimited.safeWalSize()).as("safe_wal_size without max_slot_wal_keep_size").isNull();
		}
		this.cluster.execute("postgres", "ALTER SYSTEM SET max_slot_wal_keep_size = '256MB'");
		this.cluster.execute("postgres", "SELECT pg_reload_conf()");
		try (WalSource source = source()) {
			WalSource.Slot limited = source.slot("drbatch_walsource").orElseThrow();
			assertThat(limited.safeWalSize()).as("safe_wal_size with a 256MB keep limit").isNotNull().isPositive();
			source.dropSlot("drbatch_walsource");
			assertThat(source.slot("drbatch_walsource")).isEmpty();
		}
	}

}
