package io.drbatch.scheduler;

import org.springframework.boot.autoconfigure.SpringBootApplication;

import io.drbatch.scheduler.cli.DrbatchCli;

/**
 * The drbatch application: command-line entry point for every job and operation. See
 * {@link DrbatchCli}.
 */
@SpringBootApplication(scanBasePackages = "io.drbatch")
public class DrbatchApplication {

	public static void main(String[] args) {
		System.exit(new DrbatchCli(DrbatchApplication.class).execute(args));
	}

}
