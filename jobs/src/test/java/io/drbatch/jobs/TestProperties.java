package io.drbatch.jobs;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import io.drbatch.jobs.config.DrbatchProperties;

/**
 * {@link DrbatchProperties} bound by Spring Boot's own binder from {@code key=value}
 * pairs, without a context.
 */
public final class TestProperties {

	private TestProperties() {
	}

	/**
	 * @param pairs {@code drbatch.*} keys and values, e.g.
	 * {@code "drbatch.targets[0].name=primary"}
	 */
	public static DrbatchProperties bind(String... pairs) {
		Map<String, String> map = new LinkedHashMap<>();
		for (String pair : pairs) {
			int eq = pair.indexOf('=');
			map.put(pair.substring(0, eq), pair.substring(eq + 1));
		}
		return new Binder(new MapConfigurationPropertySource(map)).bindOrCreate("drbatch", DrbatchProperties.class);
	}

}
