package io.drbatch.jobs.runcontrol;

import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A launch that lost a serialization conflict is tried again; any other failure, or one
 * that keeps losing, is thrown as it is.
 */
class LaunchRetryTests {

	@Test
	void aLaunchThatLostASerializationConflictIsTriedAgain() throws Exception {
		AtomicInteger calls = new AtomicInteger();

		String launched = LaunchRetry.launch("job", () -> {
			if (calls.incrementAndGet() < 3) {
				throw new CannotAcquireLockException("JDBC commit",
						new SQLException("could not serialize access", "40001"));
			}
			return "execution";
		});

		assertThat(launched).isEqualTo("execution");
		assertThat(calls).hasValue(3);
	}

	@Test
	void anyOtherFailureIsThrownAtOnce() {
		AtomicInteger calls = new AtomicInteger();
		assertThatThrownBy(() -> LaunchRetry.launch("job", () -> {
			calls.incrementAndGet();
			throw new IllegalStateException("bucket does not exist");
		})).isInstanceOf(IllegalStateException.class);
		assertThat(calls).hasValue(1);
	}

	@Test
	void aConflictThatKeepsComingIsThrownAfterTheLastAttempt() {
		AtomicInteger calls = new AtomicInteger();
		assertThatThrownBy(() -> LaunchRetry.launch("job", () -> {
			calls.incrementAndGet();
			throw new RuntimeException(new SQLException("deadlock detected", "40P01"));
		})).hasRootCauseMessage("deadlock detected");
		assertThat(calls).hasValue(LaunchRetry.ATTEMPTS);
	}

}
