package io.drbatch.scheduler.cli;

import org.springframework.context.ApplicationContext;
import org.springframework.core.env.Environment;

/** What a CLI command can use once the application context is up. */
record Commands(JobControl control, Listings listings, RecoveryStatus status, Environment environment) {

	static Commands from(ApplicationContext context) {
		return new Commands(context.getBean(JobControl.class), context.getBean(Listings.class),
				context.getBean(RecoveryStatus.class), context.getEnvironment());
	}

}
