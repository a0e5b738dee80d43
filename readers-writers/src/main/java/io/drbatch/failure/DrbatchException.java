package io.drbatch.failure;

import java.util.Optional;

/**
 * An expected failure with a message written for an operator: one line that names the
 * thing that failed (a configuration key, a target, a database, an object) and, where
 * known, what to do. The CLI prints the message and exits with the code of its
 * {@link FailureKind}; callers never need its stack trace.
 */
public class DrbatchException extends RuntimeException {

	private final FailureKind kind;

	public DrbatchException(FailureKind kind, String message) {
		super(message);
		this.kind = kind;
	}

	public DrbatchException(FailureKind kind, String message, Throwable cause) {
		super(message, cause);
		this.kind = kind;
	}

	public FailureKind kind() {
		return this.kind;
	}

	/**
	 * The first {@link DrbatchException} in the cause chain of {@code failure}, if any.
	 */
	public static Optional<DrbatchException> find(Throwable failure) {
		for (Throwable t = failure; t != null; t = t.getCause()) {
			if (t instanceof DrbatchException drbatch) {
				return Optional.of(drbatch);
			}
			if (t.getCause() == t) {
				break;
			}
		}
		return Optional.empty();
	}

}
