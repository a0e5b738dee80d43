package io.drbatch.scheduler.config;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.drbatch.jobs.config.DrbatchProperties;
import io.drbatch.manifest.ManifestJson;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The README's configuration table names every key drbatch binds: every property in the
 * configuration metadata the build generates ({@code spring-configuration-metadata.json}
 * of the jobs and scheduler modules), and every key of the elements of its lists
 * ({@code drbatch.sources[N].password-env}), which the metadata cannot list.
 */
class ReadmeConfigurationKeysTests {

	/**
	 * The element types of the list-valued keys, whose own keys the metadata does not
	 * describe.
	 */
	private static final Map<String, Class<?>> LIST_ELEMENTS = Map.of("drbatch.sources", DrbatchProperties.Source.class,
			"drbatch.targets", DrbatchProperties.Target.class, "drbatch.drill.checks", DrbatchProperties.Check.class);

	@Test
	void theReadmeKeyTableNamesEveryKeyTheMetadataHas() throws IOException {
		Set<String> documented = readmeKeys();
		List<String> missing = new ArrayList<>();
		for (String key : metadataKeys()) {
			if (LIST_ELEMENTS.containsKey(key)) {
				for (String element : recordKeys(key + "[N]", LIST_ELEMENTS.get(key))) {
					if (!documented.contains(element)) {
						missing.add(element);
					}
				}
			}
			else if (!documented.contains(key) && documented.stream().noneMatch(d -> d.startsWith(key + "."))) {
				missing.add(key);
			}
		}
		assertThat(missing).as("keys missing from the README's configuration table").isEmpty();
	}

	@Test
	void theParserOfTheTableReadsItsShorthand() {
		assertThat(keysOfRow("| `drbatch.sources[N].host` / `.port` | `127.0.0.1` / `5432` | server |"))
			.containsExactly("drbatch.sources[N].host", "drbatch.sources[N].port");
	}

	private static Set<String> metadataKeys() throws IOException {
		Set<String> keys = new TreeSet<>();
		for (URL url : Collections.list(ReadmeConfigurationKeysTests.class.getClassLoader()
			.getResources("META-INF/spring-configuration-metadata.json"))) {
			try (InputStream in = url.openStream()) {
				Map<?, ?> metadata = ManifestJson.read(in.readAllBytes(), Map.class, url.toString());
				for (Object property : (List<?>) metadata.get("properties")) {
					String name = (String) ((Map<?, ?>) property).get("name");
					if (name.startsWith("drbatch.")) {
						keys.add(name);
					}
				}
			}
		}
		assertThat(keys).as("configuration metadata of both modules")
			.contains("drbatch.dump.part-size", "drbatch.schedule.threads");
		return keys;
	}

	/** The keys of a record bound under {@code prefix}, nested records expanded. */
	private static List<String> recordKeys(String prefix, Class<?> record) {
		List<String> keys = new ArrayList<>();
		for (RecordComponent component : record.getRecordComponents()) {
			String key = prefix + "." + kebab(component.getName());
			if (component.getType().isRecord() && component.getType().getEnclosingClass() == DrbatchProperties.class) {
				keys.addAll(recordKeys(key, component.getType()));
			}
			else {
				keys.add(key);
			}
		}
		return keys;
	}

	private static String kebab(String name) {
		return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
	}

	private static Set<String> readmeKeys() throws IOException {
		Path here = Path.of("").toAbsolutePath();
		Path readme = Files.exists(here.resolve("README.md")) && Files.exists(here.resolve("scheduler"))
				? here.resolve("README.md") : here.getParent().resolve("README.md");
		Set<String> keys = new TreeSet<>();
		for (String line : Files.readAllLines(readme)) {
			if (line.startsWith("| `drbatch.")) {
				keys.addAll(keysOfRow(line));
			}
		}
		return keys;
	}

	/**
	 * The keys in a row's first cell: a full key, then {@code `.sibling`}s that replace
	 * its last segment.
	 */
	static List<String> keysOfRow(String row) {
		String cell = row.substring(1, row.indexOf(" | ", 2));
		Matcher tokens = Pattern.compile("`([^`]+)`").matcher(cell);
		List<String> keys = new ArrayList<>();
		String first = null;
		while (tokens.find()) {
			String token = tokens.group(1);
			if (first == null) {
				first = token;
				keys.add(token);
			}
			else if (token.startsWith(".")) {
				keys.add(first.substring(0, first.lastIndexOf('.')) + token);
			}
		}
		return keys;
	}

}
