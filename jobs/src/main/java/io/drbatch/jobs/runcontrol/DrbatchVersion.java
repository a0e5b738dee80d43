package io.drbatch.jobs.runcontrol;

/**
 * The drbatch version from the jar manifest, or {@code dev} when running from classes.
 */
public final class DrbatchVersion {

	private DrbatchVersion() {
	}

	public static String current() {
		String version = DrbatchVersion.class.getPackage().getImplementationVersion();
		return version != null ? version : "dev";
	}

}
