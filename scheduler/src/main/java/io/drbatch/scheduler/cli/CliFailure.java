package io.drbatch.scheduler.cli;

/** A failure the CLI reports as one line on standard error and an exit code. */
class CliFailure extends RuntimeException {

	private final ExitCode exitCode;

	CliFailure(ExitCode exitCode, String message) {
		super(message);
		this.exitCode = exitCode;
	}

	ExitCode exitCode() {
		return this.exitCode;
	}

}
